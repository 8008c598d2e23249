// RUN: ttt-opt %ttt_src_root/examples/ttt_linear_fla.mlir --ttt-to-nvvm | FileCheck %s
// RUN: ttt-opt %ttt_src_root/examples/ttt_linear_fla.mlir --ttt-to-nvvm \
// RUN:   | ttt-opt --gpu-module-to-binary=format=isa \
// RUN:   | ttt-translate --ttt-gpu-object | FileCheck %s --check-prefix=PTX

// The kernel ABI of docs/RUNTIME.md: 8 args + 3 results as bare pointers,
// then tokens and chains; no host function is left.
// CHECK-NOT: func.func
// CHECK: gpu.module @ttt_kernels [#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">]
// CHECK: llvm.func @ttt_linear_fla(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: i64, %{{.*}}: i64) attributes {gpu.kernel, nvvm.kernel}
// One block per chain.
// CHECK: nvvm.read.ptx.sreg.ctaid.x
// CHECK-NOT: llvm.call @malloc

// PTX: .version 8.0
// PTX: .target sm_90
// PTX: .visible .entry ttt_linear_fla(
// PTX-COUNT-11: .param .u64 .ptr
// PTX: .param .u64 ttt_linear_fla_param_11,
// PTX-NEXT: .param .u64 ttt_linear_fla_param_12
