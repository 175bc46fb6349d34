// Every mlp op prints and parses back to the same IR.
// RUN: mlp-opt %s | mlp-opt | FileCheck %s

// CHECK-LABEL: func.func @creation
func.func @creation() -> (tensor<2xf32>, tensor<7xf32>, tensor<3x4xf32>, tensor<3x4xf32>) {
  // CHECK: mlp.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
  %c = mlp.constant dense<[1.0, 2.0]> : tensor<2xf32>
  // CHECK: mlp.iota 0 : tensor<7xf32>
  %i = mlp.iota 0 : tensor<7xf32>
  // CHECK: mlp.random "normal" seed 1 : tensor<3x4xf32>
  %n = mlp.random "normal" seed 1 : tensor<3x4xf32>
  // CHECK: mlp.random "uniform" seed 7 : tensor<3x4xf32>
  %u = mlp.random "uniform" seed 7 : tensor<3x4xf32>
  return %c, %i, %n, %u : tensor<2xf32>, tensor<7xf32>, tensor<3x4xf32>, tensor<3x4xf32>
}

// CHECK-LABEL: func.func @elementwise
func.func @elementwise(%x: tensor<7xf32>, %y: tensor<7xf32>, %b: tensor<7xi1>) -> tensor<7xf32> {
  // CHECK: mlp.add %{{.*}}, %{{.*}} : tensor<7xf32>
  %0 = mlp.add %x, %y : tensor<7xf32>
  // CHECK: mlp.sub
  %1 = mlp.sub %0, %y : tensor<7xf32>
  // CHECK: mlp.mul
  %2 = mlp.mul %1, %y : tensor<7xf32>
  // CHECK: mlp.div
  %3 = mlp.div %2, %y : tensor<7xf32>
  // CHECK: mlp.pow
  %4 = mlp.pow %3, %y : tensor<7xf32>
  // CHECK: mlp.max
  %5 = mlp.max %4, %y : tensor<7xf32>
  // CHECK: mlp.min
  %6 = mlp.min %5, %y : tensor<7xf32>
  // CHECK: mlp.neg
  %7 = mlp.neg %6 : tensor<7xf32>
  // CHECK: mlp.exp
  %8 = mlp.exp %7 : tensor<7xf32>
  // CHECK: mlp.log
  %9 = mlp.log %8 : tensor<7xf32>
  // CHECK: mlp.sqrt
  %10 = mlp.sqrt %9 : tensor<7xf32>
  // CHECK: mlp.abs
  %11 = mlp.abs %10 : tensor<7xf32>
  // CHECK: mlp.tanh
  %12 = mlp.tanh %11 : tensor<7xf32>
  // CHECK: mlp.sigmoid
  %13 = mlp.sigmoid %12 : tensor<7xf32>
  // CHECK: mlp.relu
  %relu = mlp.relu %13 : tensor<7xf32>
  // CHECK: mlp.erf
  %14 = mlp.erf %relu : tensor<7xf32>
  // CHECK: mlp.cmp "lt", %{{.*}}, %{{.*}} : tensor<7xf32> to tensor<7xi1>
  %15 = mlp.cmp "lt", %14, %y : tensor<7xf32> to tensor<7xi1>
  // CHECK: mlp.and
  %16 = mlp.and %15, %b : tensor<7xi1>
  // CHECK: mlp.or
  %17 = mlp.or %16, %b : tensor<7xi1>
  // CHECK: mlp.not
  %18 = mlp.not %17 : tensor<7xi1>
  // CHECK: mlp.select %{{.*}}, %{{.*}}, %{{.*}} : tensor<7xi1>, tensor<7xf32>
  %19 = mlp.select %18, %14, %y : tensor<7xi1>, tensor<7xf32>
  // CHECK: mlp.cast %{{.*}} : tensor<7xi1> to tensor<7xf32>
  %20 = mlp.cast %18 : tensor<7xi1> to tensor<7xf32>
  %21 = mlp.add %19, %20 : tensor<7xf32>
  return %21 : tensor<7xf32>
}

// CHECK-LABEL: func.func @structured
func.func @structured(%x: tensor<3xf32>, %m: tensor<2x3xf32>, %i: tensor<i64>)
    -> (tensor<2x3xf32>, tensor<3xf32>, tensor<f32>, tensor<2xi64>, tensor<2x2xf32>, tensor<3x2xf32>, tensor<6xf32>, tensor<2xf32>, tensor<4x3xf32>) {
  // CHECK: mlp.broadcast %{{.*}}, dims = [1] : tensor<3xf32> to tensor<2x3xf32>
  %b = mlp.broadcast %x, dims = [1] : tensor<3xf32> to tensor<2x3xf32>
  // CHECK: mlp.unbroadcast %{{.*}}, dims = [1] : tensor<2x3xf32> to tensor<3xf32>
  %u = mlp.unbroadcast %b, dims = [1] : tensor<2x3xf32> to tensor<3xf32>
  // CHECK: mlp.reduce "mean", %{{.*}}, axes = [0, 1] : tensor<2x3xf32> to tensor<f32>
  %r = mlp.reduce "mean", %m, axes = [0, 1] : tensor<2x3xf32> to tensor<f32>
  // CHECK: mlp.argmax %{{.*}}, axis = 1 : tensor<2x3xf32> to tensor<2xi64>
  %a = mlp.argmax %m, axis = 1 : tensor<2x3xf32> to tensor<2xi64>
  // CHECK: mlp.transpose %{{.*}}, perm = [1, 0] : tensor<2x3xf32> to tensor<3x2xf32>
  %t = mlp.transpose %m, perm = [1, 0] : tensor<2x3xf32> to tensor<3x2xf32>
  // CHECK: mlp.matmul %{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<3x2xf32> to tensor<2x2xf32>
  %p = mlp.matmul %m, %t : tensor<2x3xf32>, tensor<3x2xf32> to tensor<2x2xf32>
  %mb = mlp.reduce "sum", %m, axes = [1] : tensor<2x3xf32> to tensor<2xf32>
  // CHECK: mlp.matmul_bias %{{.*}}, %{{.*}}, %{{.*}} relu : tensor<2x3xf32>, tensor<3x2xf32>, tensor<2xf32> to tensor<2x2xf32>
  %pb = mlp.matmul_bias %m, %t, %mb relu : tensor<2x3xf32>, tensor<3x2xf32>, tensor<2xf32> to tensor<2x2xf32>
  // CHECK: mlp.matmul_bias %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x3xf32>
  %pn = mlp.matmul_bias %m, %t, %mb : tensor<2x3xf32>, tensor<3x2xf32>, tensor<2xf32> to tensor<2x2xf32>
  // CHECK: mlp.matmul_bias_pair %{{.*}}, %{{.*}}, %{{.*}} relu then %{{.*}}, %{{.*}} : tensor<1x3xf32>, tensor<3x2xf32>, tensor<2xf32>, tensor<2x3xf32>, tensor<3xf32> to tensor<1x3xf32>
  %row = mlp.extract %m[%i] index_dims = [0] starts = [0] sizes = [3] : tensor<2x3xf32>, tensor<i64> to tensor<3xf32>
  %x1 = mlp.reshape %row : tensor<3xf32> to tensor<1x3xf32>
  %pp = mlp.matmul_bias_pair %x1, %t, %mb relu then %m, %row : tensor<1x3xf32>, tensor<3x2xf32>, tensor<2xf32>, tensor<2x3xf32>, tensor<3xf32> to tensor<1x3xf32>
  // CHECK: mlp.matmul_bias_pair %{{.*}}, %{{.*}}, %{{.*}} then %{{.*}}, %{{.*}} relu :
  %pq = mlp.matmul_bias_pair %x1, %t, %mb then %m, %row relu : tensor<1x3xf32>, tensor<3x2xf32>, tensor<2xf32>, tensor<2x3xf32>, tensor<3xf32> to tensor<1x3xf32>
  // CHECK: mlp.reshape %{{.*}} : tensor<2x3xf32> to tensor<6xf32>
  %f = mlp.reshape %m : tensor<2x3xf32> to tensor<6xf32>
  // CHECK: mlp.extract %{{.*}}[%{{.*}}] index_dims = [1] starts = [0] sizes = [2] : tensor<2x3xf32>, tensor<i64> to tensor<2xf32>
  %e = mlp.extract %m[%i] index_dims = [1] starts = [0] sizes = [2] : tensor<2x3xf32>, tensor<i64> to tensor<2xf32>
  // CHECK: mlp.concat(%{{.*}}, %{{.*}}) axis = 0 : tensor<2x3xf32>, tensor<2x3xf32> to tensor<4x3xf32>
  %c = mlp.concat(%m, %m) axis = 0 : tensor<2x3xf32>, tensor<2x3xf32> to tensor<4x3xf32>
  return %b, %u, %r, %a, %p, %t, %f, %e, %c : tensor<2x3xf32>, tensor<3xf32>, tensor<f32>, tensor<2xi64>, tensor<2x2xf32>, tensor<3x2xf32>, tensor<6xf32>, tensor<2xf32>, tensor<4x3xf32>
}

// CHECK-LABEL: func.func @runtime
func.func @runtime() {
  // CHECK: mlp.param "lr" default "0.01" : tensor<f32>
  %lr = mlp.param "lr" default "0.01" : tensor<f32>
  // CHECK: mlp.format_text "lr = "
  mlp.format_text "lr = "
  // CHECK: mlp.format %{{.*}} spec ".3f" : tensor<f32>
  mlp.format %lr spec ".3f" : tensor<f32>
  // CHECK: mlp.print_line
  mlp.print_line
  return
}

// CHECK-LABEL: func.func @tables
func.func @tables() -> tensor<4x2xf32> {
  // CHECK: %[[T:.*]] = mlp.csv_read "d.csv" schema "a:f32,b:f32,c:str"
  %t = mlp.csv_read "d.csv" schema "a:f32,b:f32,c:str"
  // CHECK: %[[S:.*]] = mlp.standardize %[[T]] columns "a,b"
  %s = mlp.standardize %t columns "a,b"
  // CHECK: mlp.split %[[S]] fraction 7.500000e-01 seed 3
  %x, %y = mlp.split %s fraction 0.75 seed 3
  // CHECK: mlp.str "a,b"
  %cols = mlp.str "a,b"
  %n = arith.constant 4 : i64
  // CHECK: mlp.rt_call "mlp_rt_batcher_new"(%{{.*}}, %{{.*}}, %{{.*}}) : (!llvm.ptr, !llvm.ptr, i64) -> !llvm.ptr
  %b = mlp.rt_call "mlp_rt_batcher_new"(%x, %cols, %n) : (!llvm.ptr, !llvm.ptr, i64) -> !llvm.ptr
  // CHECK: mlp.rt_fill "mlp_rt_batcher_fill"(%{{.*}}, %{{.*}}) : (!llvm.ptr, i64) -> tensor<4x2xf32>
  %v = mlp.rt_fill "mlp_rt_batcher_fill"(%b, %n) : (!llvm.ptr, i64) -> tensor<4x2xf32>
  return %v : tensor<4x2xf32>
}

// CHECK-LABEL: func.func @images
func.func @images(%x: tensor<2x1x8x8xf32>, %w: tensor<4x1x3x3xf32>, %b4: tensor<4xf32>, %step: tensor<i64>) -> (tensor<2x4x3x3xf32>, tensor<2x1x8x8xf32>, tensor<4x1x3x3xf32>, tensor<2x1x8x8xf32>, tensor<2x1x8x8xf32>) {
  // CHECK: mlp.conv2d %{{.*}}, %{{.*}} stride 1 padding 1 dilation 1 : tensor<2x1x8x8xf32>, tensor<4x1x3x3xf32> to tensor<2x4x8x8xf32>
  %y = mlp.conv2d %x, %w stride 1 padding 1 dilation 1 : tensor<2x1x8x8xf32>, tensor<4x1x3x3xf32> to tensor<2x4x8x8xf32>
  // CHECK: mlp.conv2d_bias %{{.*}}, %{{.*}}, %{{.*}} stride 1 padding 1 dilation 1 relu : tensor<2x1x8x8xf32>, tensor<4x1x3x3xf32>, tensor<4xf32> to tensor<2x4x8x8xf32>
  %yb = mlp.conv2d_bias %x, %w, %b4 stride 1 padding 1 dilation 1 relu : tensor<2x1x8x8xf32>, tensor<4x1x3x3xf32>, tensor<4xf32> to tensor<2x4x8x8xf32>
  // CHECK: mlp.conv2d_bias %{{.*}}, %{{.*}}, %{{.*}} stride 1 padding 1 dilation 1 : tensor<2x1x8x8xf32>
  %yn = mlp.conv2d_bias %x, %w, %b4 stride 1 padding 1 dilation 1 : tensor<2x1x8x8xf32>, tensor<4x1x3x3xf32>, tensor<4xf32> to tensor<2x4x8x8xf32>
  // CHECK: mlp.pool2d "max", %{{.*}} window 2 : tensor<2x4x8x8xf32> to tensor<2x4x4x4xf32>
  %p = mlp.pool2d "max", %y window 2 : tensor<2x4x8x8xf32> to tensor<2x4x4x4xf32>
  // CHECK: mlp.pool2d "avg"
  %a = mlp.pool2d "avg", %p window 1 : tensor<2x4x4x4xf32> to tensor<2x4x4x4xf32>
  // CHECK: mlp.conv2d_grad_input
  %gx = mlp.conv2d_grad_input %y, %w stride 1 padding 1 dilation 1 : tensor<2x4x8x8xf32>, tensor<4x1x3x3xf32> to tensor<2x1x8x8xf32>
  // CHECK: mlp.conv2d_grad_filter
  %gw = mlp.conv2d_grad_filter %x, %y stride 1 padding 1 dilation 1 : tensor<2x1x8x8xf32>, tensor<2x4x8x8xf32> to tensor<4x1x3x3xf32>
  // CHECK: mlp.pool2d_grad "max", %{{.*}}, %{{.*}}, %{{.*}} window 2 : tensor<2x4x8x8xf32>, tensor<2x4x4x4xf32> to tensor<2x4x8x8xf32>
  %gp = mlp.pool2d_grad "max", %y, %p, %p window 2 : tensor<2x4x8x8xf32>, tensor<2x4x4x4xf32> to tensor<2x4x8x8xf32>
  // CHECK: mlp.pool2d_grad "max_positive", %{{.*}}, %{{.*}}, %{{.*}} window 2
  %gq = mlp.pool2d_grad "max_positive", %y, %p, %p window 2 : tensor<2x4x8x8xf32>, tensor<2x4x4x4xf32> to tensor<2x4x8x8xf32>
  // CHECK: mlp.pool2d_grad_sums "max_positive", %{{.*}}, %{{.*}}, %{{.*}} window 2 : tensor<2x4x8x8xf32>, tensor<2x4x4x4xf32> to tensor<2x4x8x8xf32>, tensor<4xf32>
  %gs:2 = mlp.pool2d_grad_sums "max_positive", %y, %p, %p window 2 : tensor<2x4x8x8xf32>, tensor<2x4x4x4xf32> to tensor<2x4x8x8xf32>, tensor<4xf32>
  // CHECK: mlp.conv2d_bias_pool %{{.*}}, %{{.*}}, %{{.*}} stride 1 padding 1 dilation 1 relu window 2 positive : tensor<2x1x8x8xf32>, tensor<4x1x3x3xf32>, tensor<4xf32> to tensor<2x4x4x4xf32>, tensor<2x4x8x8xi8>
  %cp:2 = mlp.conv2d_bias_pool %x, %w, %b4 stride 1 padding 1 dilation 1 relu window 2 positive : tensor<2x1x8x8xf32>, tensor<4x1x3x3xf32>, tensor<4xf32> to tensor<2x4x4x4xf32>, tensor<2x4x8x8xi8>
  // CHECK: mlp.pool2d_mask_grad_sums %{{.*}}, %{{.*}} window 2 : tensor<2x4x8x8xi8>, tensor<2x4x4x4xf32> to tensor<2x4x8x8xf32>, tensor<4xf32>
  %gm:2 = mlp.pool2d_mask_grad_sums %cp#1, %p window 2 : tensor<2x4x8x8xi8>, tensor<2x4x4x4xf32> to tensor<2x4x8x8xf32>, tensor<4xf32>
  // CHECK: mlp.conv2d_grad_filter_pooled %{{.*}}, %{{.*}}, %{{.*}} stride 1 padding 1 dilation 1 window 2 : tensor<2x1x8x8xf32>, tensor<2x4x8x8xi8>, tensor<2x4x4x4xf32> to tensor<4x1x3x3xf32>, tensor<4xf32>
  %fp:2 = mlp.conv2d_grad_filter_pooled %x, %cp#1, %p stride 1 padding 1 dilation 1 window 2 : tensor<2x1x8x8xf32>, tensor<2x4x8x8xi8>, tensor<2x4x4x4xf32> to tensor<4x1x3x3xf32>, tensor<4xf32>
  // CHECK: mlp.random "uniform" seed 5 offset %{{.*}} : tensor<i64> : tensor<2x1x8x8xf32>
  %r = mlp.random "uniform" seed 5 offset %step : tensor<i64> : tensor<2x1x8x8xf32>
  // CHECK: mlp.idx_read %{{.*}}, %{{.*}} expect "8x8"
  %i = mlp.str "images.idx"
  %l = mlp.str "labels.idx"
  %t = mlp.idx_read %i, %l expect "8x8"
  %c = mlp.extract %a[] index_dims = [] starts = [0, 0, 0, 0] sizes = [2, 4, 3, 3] : tensor<2x4x4x4xf32> to tensor<2x4x3x3xf32>
  return %c, %gx, %gw, %r, %x : tensor<2x4x3x3xf32>, tensor<2x1x8x8xf32>, tensor<4x1x3x3xf32>, tensor<2x1x8x8xf32>, tensor<2x1x8x8xf32>
}
