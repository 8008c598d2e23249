// The cuda manifest's launch: one block of --ttt-manifest-block threads per
// chain, or with --ttt-manifest-blocks-per-chain (cluster-groups) that many
// blocks of one cluster per chain (the grid's y); 1 leaves the field out.
// RUN: ttt-translate --ttt-manifest --ttt-manifest-target=cuda --ttt-manifest-module=m.ptx --ttt-manifest-block=256 --ttt-manifest-shared-bytes=1024 %S/manifest.mlir | FileCheck %s --check-prefix=ONE
// RUN: ttt-translate --ttt-manifest --ttt-manifest-target=cuda --ttt-manifest-module=m.ptx --ttt-manifest-block=256 --ttt-manifest-shared-bytes=1024 --ttt-manifest-blocks-per-chain=3 %S/manifest.mlir | FileCheck %s --check-prefix=THREE
// RUN: not ttt-translate --ttt-manifest --ttt-manifest-target=cuda --ttt-manifest-blocks-per-chain=9 %S/manifest.mlir 2>&1 | FileCheck %s --check-prefix=BAD
// ONE: "launch": {
// ONE-NOT: blocks_per_chain
// ONE: "block": [
// ONE-NEXT: 256,
// THREE: "launch": {
// THREE-NEXT: "block": [
// THREE: "blocks_per_chain": 3,
// THREE-NEXT: "grid": "chains",
// THREE-NEXT: "shared_bytes": 1024
// BAD: error: manifest: --ttt-manifest-blocks-per-chain must be in [1, 8]
// A second, cluster kernel (ttt-compile --gpu-cluster auto): launch.cluster.
// RUN: ttt-translate --ttt-manifest --ttt-manifest-target=cuda --ttt-manifest-module=m.ptx --ttt-manifest-block=512 --ttt-manifest-shared-bytes=1024 --ttt-manifest-cluster-module=m.cluster.ptx --ttt-manifest-cluster-shared-bytes=2048 %S/manifest.mlir | FileCheck %s --check-prefix=CLUSTER
// RUN: not ttt-translate --ttt-manifest --ttt-manifest-target=cuda --ttt-manifest-cluster-module=m.cluster.ptx --ttt-manifest-cluster-blocks-per-chain=1 %S/manifest.mlir 2>&1 | FileCheck %s --check-prefix=BADCLUSTER
// CLUSTER: "cluster": {
// CLUSTER-NEXT: "block": [
// CLUSTER-NEXT: 256,
// CLUSTER: "blocks_per_chain": 2,
// CLUSTER-NEXT: "kernel": "one_layer",
// CLUSTER-NEXT: "module": "m.cluster.ptx",
// CLUSTER-NEXT: "shared_bytes": 2048
// BADCLUSTER: error: manifest: a cluster kernel needs a module, 2 to 8 blocks per chain
// Several cluster kernels (repeated flags, most blocks per chain first):
// an array, in that order; out of order is an error.
// RUN: ttt-translate --ttt-manifest --ttt-manifest-target=cuda --ttt-manifest-module=m.ptx --ttt-manifest-cluster-module=m.cluster.ptx --ttt-manifest-cluster-shared-bytes=2048 --ttt-manifest-cluster-blocks-per-chain=4 --ttt-manifest-cluster-module=m.cluster2.ptx --ttt-manifest-cluster-shared-bytes=4096 --ttt-manifest-cluster-blocks-per-chain=2 %S/manifest.mlir | FileCheck %s --check-prefix=CLUSTERS
// CLUSTERS: "cluster": [
// CLUSTERS-NEXT: {
// CLUSTERS: "blocks_per_chain": 4,
// CLUSTERS: "module": "m.cluster.ptx",
// CLUSTERS-NEXT: "shared_bytes": 2048
// CLUSTERS-NEXT: },
// CLUSTERS-NEXT: {
// CLUSTERS: "blocks_per_chain": 2,
// CLUSTERS: "module": "m.cluster2.ptx",
// CLUSTERS-NEXT: "shared_bytes": 4096
// CLUSTERS-NEXT: }
// CLUSTERS-NEXT: ],
// RUN: not ttt-translate --ttt-manifest --ttt-manifest-target=cuda --ttt-manifest-cluster-module=a.ptx --ttt-manifest-cluster-blocks-per-chain=2 --ttt-manifest-cluster-module=b.ptx --ttt-manifest-cluster-blocks-per-chain=4 %S/manifest.mlir 2>&1 | FileCheck %s --check-prefix=BADORDER
// BADORDER: error: manifest: each cluster kernel needs fewer blocks per chain than the one before
