// RUN: ttt-opt --pass-pipeline='builtin.module(gpu.module(ttt-gpu-portable-math))' --split-input-file %s | FileCheck %s

// f32 sqrt and rsqrt as PTX sqrt.rn (IEEE) and a division; tanh as the
// polynomial approximation, its fma and abs without libdevice.
// CHECK-LABEL: gpu.func @k
// CHECK: %[[S:.*]] = nvvm.inline_ptx "sqrt.rn.f32 $0, $1;" ro(%{{.*}} : f32) -> f32
// CHECK: %[[R:.*]] = nvvm.inline_ptx "sqrt.rn.f32 $0, $1;" ro(%{{.*}} : f32) -> f32
// CHECK: arith.divf %{{.*}}, %[[R]] : f32
// CHECK: arith.andi %{{.*}}, %c2147483647_i32 : i32
// CHECK: llvm.intr.fma
// CHECK-NOT: math.
// CHECK: gpu.return
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @k(%p: memref<4xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %x = memref.load %p[%c0] : memref<4xf32>
      %s = math.sqrt %x : f32
      %r = math.rsqrt %x : f32
      %t = math.tanh %x : f32
      memref.store %s, %p[%c0] : memref<4xf32>
      memref.store %r, %p[%c1] : memref<4xf32>
      memref.store %t, %p[%c2] : memref<4xf32>
      gpu.return
    }
  }
}

// -----

// f64 and ops without a rewrite are left for libdevice.
// CHECK-LABEL: gpu.func @other
// CHECK: math.sqrt %{{.*}} : f64
// CHECK: math.exp %{{.*}} : f32
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @other(%p: memref<f64>, %q: memref<f32>) kernel {
      %x = memref.load %p[] : memref<f64>
      %s = math.sqrt %x : f64
      memref.store %s, %p[] : memref<f64>
      %y = memref.load %q[] : memref<f32>
      %e = math.exp %y : f32
      memref.store %e, %q[] : memref<f32>
      gpu.return
    }
  }
}
