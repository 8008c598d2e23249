"""A small writer of MLIR text for static-shape tensor programs: fresh SSA
names, tensor types, and the linalg building blocks the model graph uses
(elementwise maps, contractions, row reductions, blob slices)."""

import numpy as np


def ttype(shape, elt="f32"):
    if not shape:
        return f"tensor<{elt}>"
    return "tensor<" + "x".join(str(s) for s in shape) + f"x{elt}>"


def dense_f32(array):
    data = np.ascontiguousarray(array, "<f4").tobytes().hex().upper()
    return f'dense<"0x{data}"> : {ttype(list(array.shape))}'


def _map(dims, results):
    return f"affine_map<({', '.join(dims)}) -> ({', '.join(results)})>"


class Writer:
    def __init__(self):
        self.lines = []
        self.counter = 0
        self.indent = 1

    def fresh(self, hint):
        self.counter += 1
        return f"%{hint}{self.counter}"

    def emit(self, text):
        self.lines.append("  " * self.indent + text)

    def const_index(self, value):
        name = self.fresh("c")
        self.emit(f"{name} = arith.constant {value} : index")
        return name

    def const_f32(self, value):
        name = self.fresh("f")
        self.emit(f"{name} = arith.constant {float(value):.9e} : f32")
        return name

    def empty(self, shape, elt="f32"):
        name = self.fresh("e")
        self.emit(f"{name} = tensor.empty() : {ttype(shape, elt)}")
        return name

    def zeros(self, shape):
        zero = self.const_f32(0.0)
        init = self.empty(shape)
        name = self.fresh("z")
        self.emit(f"{name} = linalg.fill ins({zero} : f32) outs({init} : "
                  f"{ttype(shape)}) -> {ttype(shape)}")
        return name

    def generic(self, dims, iterators, ins, out, out_shape, out_map, body,
                hint="g"):
        """A linalg.generic. dims: loop names; ins: [(value, shape, map
        results, elt)]; out: init value; body(arg names, out arg) returns
        the body lines and the yielded value. Body-local values are named
        %p, %s, %t, %u (with an optional suffix) and renamed here."""
        maps = [_map(dims, m) for (_, _, m, _) in ins] + [_map(dims, out_map)]
        iters = ", ".join(f'"{i}"' for i in iterators)
        args = [f"%a{i}" for i in range(len(ins))]
        name = self.fresh(hint)
        ins_text = ""
        if ins:
            ins_text = ("ins(" + ", ".join(v for v, *_ in ins) + " : "
                        + ", ".join(ttype(s, e) for _, s, _, e in ins) + ") ")
        self.emit(f"{name} = linalg.generic {{indexing_maps = [{', '.join(maps)}], "
                  f"iterator_types = [{iters}]}} {ins_text}"
                  f"outs({out} : {ttype(out_shape)}) {{")
        block_args = ", ".join(f"{a}: {e}" for a, (_, _, _, e) in zip(args, ins))
        sep = ", " if ins else ""
        self.emit(f"^bb0({block_args}{sep}%acc: f32):")
        tag = name[1:]
        lines, result = body(args, "%acc")
        # Body-local names must not clash with the function's.
        lines = [l.replace("%p", f"%{tag}_p").replace("%s", f"%{tag}_s")
                 .replace("%t", f"%{tag}_t").replace("%u", f"%{tag}_u")
                 for l in lines]
        result = (result.replace("%p", f"%{tag}_p").replace("%s", f"%{tag}_s")
                  .replace("%t", f"%{tag}_t").replace("%u", f"%{tag}_u"))
        for line in lines:
            self.emit("  " + line)
        self.emit(f"  linalg.yield {result} : f32")
        self.emit(f"}} -> {ttype(out_shape)}")
        return name

    def elementwise(self, shape, ins, body, hint="ew"):
        """ins: [(value, shape)] where each shape is a suffix-aligned
        broadcast of `shape` (trailing dims)."""
        dims = [f"d{i}" for i in range(len(shape))]
        operands = []
        for value, s in ins:
            operands.append((value, s, dims[len(dims) - len(s):], "f32"))
        return self.generic(dims, ["parallel"] * len(dims), operands,
                            self.empty(shape), shape, dims, body, hint)

    def matmul_t(self, x, m, k, w, n):
        """x[m, k] @ w[n, k]^T (nn.Linear's layout) -> [m, n]."""
        init = self.zeros([m, n])

        def body(a, acc):
            return [f"%p = arith.mulf {a[0]}, {a[1]} : f32",
                    f"%s = arith.addf {acc}, %p : f32"], "%s"
        return self.generic(
            ["i", "j", "l"], ["parallel", "parallel", "reduction"],
            [(x, [m, k], ["i", "l"], "f32"), (w, [n, k], ["j", "l"], "f32")],
            init, [m, n], ["i", "j"], body, "mm")

    def row_sum_squares(self, x, rows, cols):
        init = self.zeros([rows])

        def body(a, acc):
            return [f"%p = arith.mulf {a[0]}, {a[0]} : f32",
                    f"%s = arith.addf {acc}, %p : f32"], "%s"
        return self.generic(["i", "j"], ["parallel", "reduction"],
                            [(x, [rows, cols], ["i", "j"], "f32")], init,
                            [rows], ["i"], body, "rss")

    def slice_1d(self, blob, blob_size, offset, size):
        name = self.fresh("bl")
        self.emit(f"{name} = tensor.extract_slice {blob}[{offset}] [{size}] [1] "
                  f": {ttype([blob_size])} to {ttype([size])}")
        return name

    def reshape(self, value, shape, new_shape):
        """Row-major reshape through rank 1 (collapse, then expand)."""
        if shape == new_shape:
            return value
        flat = value
        n = int(np.prod(shape))
        if len(shape) > 1:
            flat = self.fresh("flat")
            self.emit(f"{flat} = tensor.collapse_shape {value} "
                      f"[{list(range(len(shape)))}] : {ttype(shape)} into "
                      f"{ttype([n])}")
        if len(new_shape) == 1:
            return flat
        name = self.fresh("rs")
        self.emit(f"{name} = tensor.expand_shape {flat} "
                  f"[{list(range(len(new_shape)))}] output_shape "
                  f"{list(new_shape)} : {ttype([n])} into {ttype(new_shape)}")
        return name

    def insert_1d(self, value, blob, blob_size, offset, size):
        name = self.fresh("ins")
        self.emit(f"{name} = tensor.insert_slice {value} into {blob}[{offset}] "
                  f"[{size}] [1] : {ttype([size])} into {ttype([blob_size])}")
        return name
