// Linalg ops on buffers become loops; a large op whose outermost loop is
// parallel gets an scf.parallel for that loop only, which scf-to-openmp
// turns into a worksharing loop on the runtime's threads.
// RUN: mlp-opt %s -split-input-file -mlp-lower-to-loops | FileCheck %s
// RUN: mlp-opt %s -split-input-file -mlp-lower-to-loops -convert-scf-to-openmp | FileCheck %s --check-prefix=OMP

#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>

// 256 x 784 elements (an optimizer step on a weight matrix): rows in
// parallel, each row's columns in an inner scf.for (which LLVM vectorizes).
// CHECK-LABEL: func.func @large_elementwise
// CHECK:         scf.parallel (%[[I:.*]]) = (%c0) to (%c256) step (%c1) {
// CHECK-NEXT:      scf.for %[[J:.*]] = %c0 to %c784 step %c1 {
// CHECK:             memref.load %arg0[%[[I]], %[[J]]]
// CHECK:             arith.mulf
// CHECK:             memref.store
// CHECK-NOT:     scf.parallel
// OMP-LABEL:   func.func @large_elementwise
// OMP:           omp.parallel {
// OMP:             omp.wsloop {
// OMP:               omp.loop_nest
// OMP:                 scf.for
func.func @large_elementwise(%x: memref<256x784xf32>, %y: memref<256x784xf32>) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<256x784xf32>) outs(%y : memref<256x784xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.mulf %a, %a : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Below 2^15 iterations starting the threads costs more than it saves.
// CHECK-LABEL: func.func @small_elementwise
// CHECK-NOT:     scf.parallel
// CHECK:         scf.for
// CHECK:           scf.for
// OMP-LABEL:   func.func @small_elementwise
// OMP-NOT:       omp.parallel
#id = affine_map<(i, j) -> (i, j)>
func.func @small_elementwise(%x: memref<128x128xf32>, %y: memref<128x128xf32>) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<128x128xf32>) outs(%y : memref<128x128xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.mulf %a, %a : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Row sums: the rows run in parallel, each row's sum in one thread, in
// order (so the result does not depend on the thread count).
// CHECK-LABEL: func.func @row_sums
// CHECK:         scf.parallel (%[[I:.*]]) =
// CHECK-NEXT:      scf.for
// CHECK:             arith.addf
// OMP-LABEL:   func.func @row_sums
// OMP:           omp.parallel
#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
func.func @row_sums(%x: memref<512x512xf32>, %s: memref<512xf32>) {
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<512x512xf32>) outs(%s : memref<512xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %o : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Column sums (a dense layer's bias gradient): the outer loop is the
// reduction, and moving the columns out would leave a strided inner loop,
// so everything stays serial.
// CHECK-LABEL: func.func @column_sums
// CHECK-NOT:     scf.parallel
#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>
func.func @column_sums(%x: memref<512x512xf32>, %s: memref<512xf32>) {
  linalg.generic {indexing_maps = [#id, #col], iterator_types = ["reduction", "parallel"]}
      ins(%x : memref<512x512xf32>) outs(%s : memref<512xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %o : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Dynamic sizes: the iteration count is unknown, so the loops stay serial.
// CHECK-LABEL: func.func @dynamic
// CHECK-NOT:     scf.parallel
#id = affine_map<(i, j) -> (i, j)>
func.func @dynamic(%x: memref<?x784xf32>, %y: memref<?x784xf32>) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<?x784xf32>) outs(%y : memref<?x784xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.mulf %a, %a : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// A convolution's bias gradient: sums over samples and pixels per channel.
// The channel loop moves outermost and splits; each channel's sum keeps its
// order (samples, then rows, then columns).
// CHECK-LABEL: func.func @channel_sums
// CHECK:         scf.parallel (%[[C:.*]]) = (%c0) to (%c32) step (%c1) {
// CHECK-NEXT:      scf.for %[[N:.*]] = %c0 to %c16
// CHECK-NEXT:        scf.for %[[H:.*]] = %c0 to %c26
// CHECK-NEXT:          scf.for %[[W:.*]] = %c0 to %c26
// CHECK:                 memref.load %arg0[%[[N]], %[[C]], %[[H]], %[[W]]]
// CHECK:                 arith.addf
#x = affine_map<(n, c, h, w) -> (n, c, h, w)>
#ch = affine_map<(n, c, h, w) -> (c)>
func.func @channel_sums(%x: memref<16x32x26x26xf32>, %s: memref<32xf32>) {
  linalg.generic {indexing_maps = [#x, #ch], iterator_types = ["reduction", "parallel", "reduction", "reduction"]}
      ins(%x : memref<16x32x26x26xf32>) outs(%s : memref<32xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %o : f32
    linalg.yield %r : f32
  }
  return
}
