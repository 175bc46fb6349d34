// -mlp-expose-buffer-reads: a read of a runtime call's result buffer after
// the to_tensor that made it a tensor (what the canonicalizer leaves of
// to_memref(to_tensor(buffer))) goes through the tensor again.
// RUN: mlp-opt %s -split-input-file -mlp-expose-buffer-reads | FileCheck %s

// The call that fills the buffer keeps it; the print after the to_tensor,
// inside an alloca scope, and the one inside the loop read the tensor.
// CHECK-LABEL: func.func @reads_after
// CHECK:         %[[C:.*]] = memref.alloc() : memref<2x2xf32>
// CHECK:         memref.alloca_scope
// CHECK-NEXT:      %[[W:.*]] = memref.cast %[[C]] : memref<2x2xf32> to memref<*xf32>
// CHECK-NEXT:      call @fill(%[[W]])
// CHECK:         %[[T:.*]] = bufferization.to_tensor %[[C]] restrict writable
// CHECK:         memref.alloca_scope
// CHECK-NEXT:      %[[R:.*]] = bufferization.to_memref %[[T]] read_only : memref<2x2xf32, strided<[?, ?], offset: ?>>
// CHECK-NEXT:      %[[S:.*]] = memref.cast %[[R]] : memref<2x2xf32, strided<[?, ?], offset: ?>> to memref<2x2xf32>
// CHECK-NEXT:      %[[U:.*]] = memref.cast %[[S]] : memref<2x2xf32> to memref<*xf32>
// CHECK-NEXT:      call @read(%[[U]])
// CHECK:         scf.for
// CHECK-NEXT:      %[[R2:.*]] = bufferization.to_memref %[[T]] read_only
// CHECK-NEXT:      %[[S2:.*]] = memref.cast %[[R2]]
// CHECK-NEXT:      %[[U2:.*]] = memref.cast %[[S2]]
// CHECK-NEXT:      call @read(%[[U2]])
// CHECK:         return %[[T]]
func.func private @fill(memref<*xf32>)
func.func private @read(memref<*xf32>)
func.func @reads_after(%n: index) -> tensor<2x2xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c = memref.alloc() : memref<2x2xf32>
  memref.alloca_scope {
    %w = memref.cast %c : memref<2x2xf32> to memref<*xf32>
    func.call @fill(%w) : (memref<*xf32>) -> ()
  }
  %t = bufferization.to_tensor %c restrict writable : memref<2x2xf32>
  memref.alloca_scope {
    %u = memref.cast %c : memref<2x2xf32> to memref<*xf32>
    func.call @read(%u) : (memref<*xf32>) -> ()
  }
  scf.for %i = %c0 to %n step %c1 {
    %u = memref.cast %c : memref<2x2xf32> to memref<*xf32>
    func.call @read(%u) : (memref<*xf32>) -> ()
  }
  return %t : tensor<2x2xf32>
}
