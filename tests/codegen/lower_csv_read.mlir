// csv_read becomes mlp_rt_csv_read with the default options, and
// mlp_rt_csv_read_with (separator, flags: 1 skip bad rows, 2 no header)
// otherwise.
// RUN: mlp-opt %s -mlp-lower-to-linalg | FileCheck %s

// CHECK-LABEL: func.func @mlp_main
// CHECK:         call @mlp_rt_csv_read(%{{.*}}, %{{.*}}) : (!llvm.ptr, !llvm.ptr) -> !llvm.ptr
// CHECK:         %[[SEMI:.*]] = arith.constant 59 : i32
// CHECK:         %[[NONE:.*]] = arith.constant 0 : i32
// CHECK:         call @mlp_rt_csv_read_with(%{{.*}}, %{{.*}}, %[[SEMI]], %[[NONE]])
// CHECK:         %[[COMMA:.*]] = arith.constant 44 : i32
// CHECK:         %[[BOTH:.*]] = arith.constant 3 : i32
// CHECK:         call @mlp_rt_csv_read_with(%{{.*}}, %{{.*}}, %[[COMMA]], %[[BOTH]])
func.func @mlp_main() {
  %a = mlp.csv_read "a.csv" schema "x:f32"
  %b = mlp.csv_read "b.csv" schema "x:f32" {sep = 59 : i32}
  %c = mlp.csv_read "c.csv" schema "column_1:f32" {header = false, skip_bad_rows = true}
  return
}
