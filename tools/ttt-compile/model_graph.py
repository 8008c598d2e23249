"""The graph of a whole TTT language model (docs/MODEL.md) as MLIR text: a
prefill function per prefill size and a decode function, each over one
sequence with static shapes, weights and states packed in f32 blobs.

The TTT layer's inner loop is a `ttt.scan`: prefill uses the official
dual-form-ready body (`ttt.grad` + `ttt.update`, gradients at the
mini-batch start); decode scans its single token with the official primal
update (gradient sums carried in the state, committed at the boundary)."""

import numpy as np

import model_config as mc
from mlir_text import Writer, dense_f32, ttype


def rope_tables(cfg, positions):
    """cos and signed-sin tables [len(positions), D/2] and [.., D/2, 2] for
    ttt-lm-pytorch's RoPE: pairs (x[2i], x[2i+1]) rotate by
    pos * theta^(-2i/D); positions are taken mod BT by the caller."""
    d = mc.head_dim(cfg)
    inv_freq = 1.0 / (cfg["rope_theta"] ** (np.arange(0, d, 2) / d))
    angle = np.asarray(positions, np.float64)[:, None] * inv_freq[None, :]
    sin = np.sin(angle)
    signed = np.stack([-sin, sin], axis=-1)
    return np.cos(angle), signed


class InnerModel:
    """The inner model f(x) = LN(x W1 + b1) or LN(gelu(x W1 + b1) W2 + b2)
    written for a chunk of C rows, with a name prefix per layer."""

    def __init__(self, cfg, prefix):
        self.cfg, self.p = cfg, prefix
        self.d = mc.head_dim(cfg)
        self.names = [n for n, _ in mc.inner_weights(cfg)]
        self.shapes = {n: [s for s in shape if s != 1] if n.startswith("b")
                       else shape for n, shape in mc.inner_weights(cfg)}
        self.mlp = cfg["ttt_layer_type"] == "mlp"

    def forward(self, lines, x, ws, c, tag, per_row_weights=False):
        """Appends `LN(f(x))` for x [c, D]; ws: name -> value. With
        per_row_weights every row has its own weights ([c, ...] values, the
        ttt.update results) and uses batch_vecmat. Returns the LN output."""
        p, d = self.p, self.d
        width = self.shapes["W1"][1]

        def layer(inp, in_w, w, b, out_w, act):
            out = f"{p}{tag}_{act}"
            fill = f"{p}{tag}_{act}_0"
            lines.append(f"{fill} = linalg.fill ins({p}f0 : f32) outs({p}e{out_w} : "
                         f"{ttype([c, out_w])}) -> {ttype([c, out_w])}")
            if per_row_weights:
                lines.append(f"{out}_mm = linalg.batch_vecmat ins({inp}, {w} : "
                             f"{ttype([c, in_w])}, {ttype([c, in_w, out_w])}) "
                             f"outs({fill} : {ttype([c, out_w])}) -> {ttype([c, out_w])}")
                bias = b
            else:
                lines.append(f"{out}_mm = linalg.matmul ins({inp}, {w} : "
                             f"{ttype([c, in_w])}, {ttype([in_w, out_w])}) "
                             f"outs({fill} : {ttype([c, out_w])}) -> {ttype([c, out_w])}")
                bias = f"{out}_bias"
                lines.append(f"{bias} = linalg.broadcast ins({b} : {ttype([out_w])}) "
                             f"outs({p}e{out_w} : {ttype([c, out_w])}) dimensions = [0]")
            lines.append(f"{out} = linalg.add ins({out}_mm, {bias} : "
                         f"{ttype([c, out_w])}, {ttype([c, out_w])}) outs({p}e{out_w} : "
                         f"{ttype([c, out_w])}) -> {ttype([c, out_w])}")
            return out

        z = layer(x, d, ws["W1"], ws["b1"], width, "z1")
        if self.mlp:
            h = f"{p}{tag}_gelu"
            lines.append(f"{h} = ttt.gelu_tanh {z} : {ttype([c, width])}")
            z = layer(h, width, ws["W2"], ws["b2"], d, "z2")
        ln = f"{p}{tag}_ln"
        lines.append(f"{ln} = ttt.layer_norm {z}, {p}gamma, {p}beta "
                     f"{{epsilon = 1.0e-06 : f64}} : {ttype([c, d])}, "
                     f"{ttype([d])}, {ttype([d])}")
        return ln

    def prologue(self, lines, c):
        p, d = self.p, self.d
        widths = sorted({d, self.shapes["W1"][1]})
        lines.append(f"{p}f0 = arith.constant 0.0 : f32")
        for w in widths:
            lines.append(f"{p}e{w} = tensor.empty() : {ttype([c, w])}")
        lines.append(f"{p}target = linalg.sub ins({p}vc, {p}kc : {ttype([c, d])}, "
                     f"{ttype([c, d])}) outs({p}e{d} : {ttype([c, d])}) -> {ttype([c, d])}")

    def grads(self, lines, c):
        """ttt.grad of the per-token losses at the chunk's start weights."""
        p, d = self.p, self.d
        wrt = ", ".join(f"{p}{n}" for n in self.names)
        types = ", ".join(ttype(self.shapes[n]) for n in self.names)
        results = ", ".join(ttype([c] + self.shapes[n]) for n in self.names)
        grads = ", ".join(f"{p}g{n}" for n in self.names)
        lines.append(f"{grads} = ttt.grad wrt({wrt} : {types}) -> ({results}) {{")
        args = ", ".join(f"{p}w_{n}: {ttype(self.shapes[n])}" for n in self.names)
        lines.append(f"^bb0({args}):")
        body = []
        ln = self.forward(body, f"{p}kc", {n: f"{p}w_{n}" for n in self.names},
                          c, "k")
        body.append(f"{p}loss = ttt.l2_loss {ln}, {p}target : {ttype([c, d])} -> "
                    f"{ttype([c])}")
        body.append(f"ttt.yield {p}loss : {ttype([c])}")
        lines += ["  " + b for b in body]
        lines.append("}")


class ModelGraph:
    def __init__(self, cfg):
        self.cfg = cfg
        self.weights, self.nw = mc.with_offsets(mc.weight_shapes(cfg))
        self.states, self.ns = mc.with_offsets(mc.state_shapes(cfg))
        self.weight_index = {name: (shape, off) for name, shape, off in self.weights}
        self.state_index = {name: (shape, off) for name, shape, off, _ in self.states}
        self.wbase = self.sbase = None

    # -- blobs ------------------------------------------------------------
    # Inside a block function the layer's weights and states sit at
    # %wbase / %sbase plus their offset relative to layer 0's.
    def _offset(self, w, base, offset):
        if base is None:
            return offset
        value, start = base
        name = w.fresh("off")
        w.emit(f"{name} = arith.addi {value}, {w.const_index(offset - start)} : index")
        return name

    def weight(self, w, name, shape=None):
        full, off = self.weight_index[name]
        key = (name, tuple(shape or full))
        if key not in self.cache:
            flat = w.slice_1d("%weights", self.nw, self._offset(w, self.wbase, off),
                              mc.numel(full))
            self.cache[key] = w.reshape(flat, [mc.numel(full)], list(shape or full))
        return self.cache[key]

    def state(self, w, name, shape):
        full, off = self.state_index[name]
        flat = w.slice_1d("%states", self.ns, self._offset(w, self.sbase, off),
                          mc.numel(full))
        return w.reshape(flat, [mc.numel(full)], shape)

    # -- building blocks --------------------------------------------------
    def rms_norm(self, w, x, rows, weight_name):
        hid = self.cfg["hidden_size"]
        ss = w.row_sum_squares(x, rows, hid)
        eps = w.const_f32(self.cfg["rms_norm_eps"])
        inv_n = w.const_f32(1.0 / hid)
        gain = self.weight(w, weight_name)

        def body(a, acc):
            return [f"%p = arith.mulf {a[1]}, {inv_n} : f32",
                    f"%s = arith.addf %p, {eps} : f32",
                    f"%t = math.rsqrt %s : f32",
                    f"%u = arith.mulf {a[0]}, %t : f32",
                    f"%u2 = arith.mulf %u, {a[2]} : f32"], "%u2"
        return w.generic(["i", "j"], ["parallel", "parallel"],
                         [(x, [rows, hid], ["i", "j"], "f32"),
                          (ss, [rows], ["i"], "f32"),
                          (gain, [hid], ["j"], "f32")],
                         w.empty([rows, hid]), [rows, hid], ["i", "j"], body, "rms")

    def multiply(self, w, shape, a, b):
        return w.elementwise(shape, [(a, shape), (b, shape)], lambda x, acc: (
            [f"%p = arith.mulf {x[0]}, {x[1]} : f32"], "%p"), "mul")

    def add(self, w, shape, a, b):
        return w.elementwise(shape, [(a, shape), (b, shape)], lambda x, acc: (
            [f"%p = arith.addf {x[0]}, {x[1]} : f32"], "%p"), "add")

    def rope_heads(self, w, x, rows, cos, signed_sin):
        """x [rows, hid] -> [H, rows, D] with RoPE (cos/sin: [rows, D/2]
        and [rows, D/2, 2] values); without tables, just the head split."""
        heads, d = self.cfg["num_attention_heads"], mc.head_dim(self.cfg)
        pairs = w.reshape(x, [rows, self.cfg["hidden_size"]], [rows, heads, d // 2, 2])
        shape = [heads, rows, d // 2, 2]
        dims = ["h", "r", "i", "e"]
        ins = [(pairs, [rows, heads, d // 2, 2], ["r", "h", "i", "e"], "f32")]
        if cos is None:
            body = lambda a, acc: ([], a[0])
        else:
            ins += [(pairs, [rows, heads, d // 2, 2], ["r", "h", "i", "1 - e"], "f32"),
                    (cos, [rows, d // 2], ["r", "i"], "f32"),
                    (signed_sin, [rows, d // 2, 2], ["r", "i", "e"], "f32")]

            def body(a, acc):
                return [f"%p = arith.mulf {a[0]}, {a[2]} : f32",
                        f"%s = arith.mulf {a[1]}, {a[3]} : f32",
                        f"%t = arith.addf %p, %s : f32"], "%t"
        out = w.generic(dims, ["parallel"] * 4, ins, w.empty(shape), shape, dims,
                        body, "rope")
        return w.reshape(out, shape, [heads, rows, d])

    def merge_heads(self, w, z, rows):
        heads, d = self.cfg["num_attention_heads"], mc.head_dim(self.cfg)
        shape = [rows, heads, d]
        out = w.generic(["r", "h", "d"], ["parallel"] * 3,
                        [(z, [heads, rows, d], ["h", "r", "d"], "f32")],
                        w.empty(shape), shape, ["r", "h", "d"],
                        lambda a, acc: ([], a[0]), "merge")
        return w.reshape(out, shape, [rows, self.cfg["hidden_size"]])

    def ttt_lr(self, w, xn, rows, s):
        """alpha[h, r] = base_lr * sigmoid(x_r . lr_w[h] + lr_b[h]) / D."""
        heads, hid = self.cfg["num_attention_heads"], self.cfg["hidden_size"]
        lr_w = self.weight(w, s + "learnable_ttt_lr_weight", [heads, hid])
        lr_b = self.weight(w, s + "learnable_ttt_lr_bias", [heads])
        dot = w.generic(["h", "r", "c"], ["parallel", "parallel", "reduction"],
                        [(xn, [rows, hid], ["r", "c"], "f32"),
                         (lr_w, [heads, hid], ["h", "c"], "f32")],
                        w.zeros([heads, rows]), [heads, rows], ["h", "r"],
                        lambda a, acc: ([f"%p = arith.mulf {a[0]}, {a[1]} : f32",
                                         f"%s = arith.addf {acc}, %p : f32"], "%s"),
                        "lrdot")
        one = w.const_f32(1.0)
        scale = w.const_f32(self.cfg["ttt_base_lr"] / mc.head_dim(self.cfg))

        def body(a, acc):
            return [f"%p = arith.addf {a[0]}, {a[1]} : f32",
                    f"%s = arith.negf %p : f32",
                    f"%t = math.exp %s : f32",
                    f"%t2 = arith.addf %t, {one} : f32",
                    f"%u = arith.divf {scale}, %t2 : f32"], "%u"
        return w.generic(["h", "r"], ["parallel", "parallel"],
                         [(dot, [heads, rows], ["h", "r"], "f32"),
                          (lr_b, [heads], ["h"], "f32")],
                         w.empty([heads, rows]), [heads, rows], ["h", "r"], body,
                         "alpha")

    def token_eta(self, w, s):
        """tau[r] = max(0, 1/(r+1) + learnable_token_idx[r])."""
        bt = self.cfg["mini_batch_size"]
        one, zero = w.const_f32(1.0), w.const_f32(0.0)

        def body(a, acc):
            return [f"%p = linalg.index 0 : index",
                    f"%p2 = arith.index_cast %p : index to i64",
                    f"%p3 = arith.sitofp %p2 : i64 to f32",
                    f"%s = arith.addf %p3, {one} : f32",
                    f"%t = arith.divf {one}, %s : f32",
                    f"%t2 = arith.addf %t, {a[0]} : f32",
                    f"%u = arith.maximumf %t2, {zero} : f32"], "%u"
        return w.generic(["r"], ["parallel"],
                         [(self.weight(w, s + "learnable_token_idx"), [bt], ["r"], "f32")],
                         w.empty([bt]), [bt], ["r"], body, "tau")

    def per_head(self, w, value, shape):
        """Broadcasts value [*shape] to [H, *shape]."""
        heads = self.cfg["num_attention_heads"]
        dims = [f"d{i}" for i in range(len(shape) + 1)]
        return w.generic(dims, ["parallel"] * len(dims),
                         [(value, shape, dims[1:], "f32")], w.empty([heads] + shape),
                         [heads] + shape, dims, lambda a, acc: ([], a[0]), "bcast")

    # -- the TTT layer ----------------------------------------------------
    def ttt_layer(self, w, xn, rows, layer, ctx):
        cfg = self.cfg
        hid, heads, d = cfg["hidden_size"], cfg["num_attention_heads"], mc.head_dim(cfg)
        s = f"model.layers.{layer}.seq_modeling_block."
        proj = {n: w.matmul_t(xn, rows, hid, self.weight(w, s + n + "_proj.weight"), hid)
                for n in ("q", "k", "v")}
        qh = self.rope_heads(w, proj["q"], rows, ctx["cos"], ctx["sin"])
        kh = self.rope_heads(w, proj["k"], rows, ctx["cos"], ctx["sin"])
        vh = self.rope_heads(w, proj["v"], rows, None, None)
        alpha = self.ttt_lr(w, xn, rows, s)
        tau = self.token_eta(w, s)
        gamma = self.weight(w, s + "ttt_norm_weight")
        beta = self.weight(w, s + "ttt_norm_bias")
        inner = InnerModel(cfg, f"%L{layer}_")
        names = inner.names
        wshape = {n: [heads] + inner.shapes[n] for n in names}
        states = {n: self.state(w, f"layers.{layer}.{n}_states", wshape[n]) for n in names}
        seq_types = [ttype([heads, rows, d])] * 3 + [ttype([heads, rows])]
        if ctx["decode"]:
            grads = {n: self.state(w, f"layers.{layer}.{n}_grad", wshape[n]) for n in names}
            tau_r = self.per_head(w, w.reshape_slice(tau, ctx["position"]), [1])
            inits = [states[n] for n in names] + [grads[n] for n in names]
            params = [gamma, beta, tau_r, ctx["commit"]]
            param_types = [ttype([heads, d])] * 2 + [ttype([heads, 1])] * 2
            chunk = 1
        else:
            inits = [states[n] for n in names]
            params = [gamma, beta, self.per_head(w, tau, [cfg["mini_batch_size"]])]
            param_types = [ttype([heads, d])] * 2 + [ttype([heads, cfg["mini_batch_size"]])]
            chunk = cfg["mini_batch_size"]
        init_types = [ttype(wshape[n]) for n in names] * (2 if ctx["decode"] else 1)
        result = w.fresh("scan")
        n_results = len(inits) + 1
        w.emit(f"{result}:{n_results} = ttt.scan chunk({chunk}) batch(1)")
        w.emit(f"    init({', '.join(inits)} : {', '.join(init_types)})")
        w.emit(f"    params({', '.join(params)} : {', '.join(param_types)})")
        w.emit(f"    over({qh}, {kh}, {vh}, {alpha} : {', '.join(seq_types)})")
        w.emit(f"    -> ({', '.join(init_types + [ttype([heads, rows, d])])}) {{")
        body = (self.decode_body(inner, layer) if ctx["decode"]
                else self.prefill_body(inner, chunk))
        for line in body:
            w.emit("  " + line)
        w.emit("}")
        new_states = {}
        for i, n in enumerate(names):
            new_states[f"layers.{layer}.{n}_states"] = (f"{result}#{i}", wshape[n])
            if ctx["decode"]:
                new_states[f"layers.{layer}.{n}_grad"] = (
                    f"{result}#{len(names) + i}", wshape[n])
        ctx["new_states"].update(new_states)
        z = self.merge_heads(w, f"{result}#{n_results - 1}", rows)
        post = w.fresh("post")
        w.emit(f"{post} = ttt.layer_norm {z}, {self.weight(w, s + 'post_norm.weight')}, "
               f"{self.weight(w, s + 'post_norm.bias')} {{epsilon = 1.0e-06 : f64}} : "
               f"{ttype([rows, hid])}, {ttype([hid])}, {ttype([hid])}")
        if cfg["use_gate"]:
            g = w.matmul_t(xn, rows, hid, self.weight(w, s + "g_proj.weight"), hid)
            gelu = w.fresh("gelu")
            w.emit(f"{gelu} = ttt.gelu_tanh {g} : {ttype([rows, hid])}")
            post = self.multiply(w, [rows, hid], gelu, post)
        return w.matmul_t(post, rows, hid, self.weight(w, s + "o_proj.weight"), hid)

    def prefill_body(self, inner, c):
        p, d, names = inner.p, inner.d, inner.names
        bt = self.cfg["mini_batch_size"]
        args = [f"{p}{n}: {ttype(inner.shapes[n])}" for n in names]
        args += [f"{p}gamma: {ttype([d])}", f"{p}beta: {ttype([d])}",
                 f"{p}tau: {ttype([bt])}"]
        args += [f"{p}{n}c: {ttype([c, d])}" for n in ("q", "k", "v")]
        args.append(f"{p}ac: {ttype([c])}")
        lines = [f"^bb0({', '.join(args)}):"]
        body = []
        inner.prologue(body, c)
        inner.grads(body, c)
        body += [f"{p}esq = tensor.empty() : {ttype([c, c])}",
                 f"{p}eta = linalg.generic {{indexing_maps = [affine_map<(r, s) -> (r)>, "
                 f"affine_map<(r, s) -> (s)>, affine_map<(r, s) -> (r, s)>], "
                 f'iterator_types = ["parallel", "parallel"]}} ins({p}tau, {p}ac : '
                 f"{ttype([c])}, {ttype([c])}) outs({p}esq : {ttype([c, c])}) {{",
                 f"^bb0({p}et: f32, {p}ea: f32, {p}eo: f32):",
                 f"  {p}ep = arith.mulf {p}et, {p}ea : f32",
                 f"  linalg.yield {p}ep : f32",
                 f"}} -> {ttype([c, c])}"]
        per_row = {}
        for n in names:
            shape = inner.shapes[n]
            per_row[n] = f"{p}{n}r"
            body.append(f"{per_row[n]} = ttt.update sgd {p}{n}, {p}g{n}, {p}eta : "
                        f"({ttype(shape)}, {ttype([c] + shape)}, {ttype([c, c])}) -> "
                        f"{ttype([c] + shape)}")
        ln = inner.forward(body, f"{p}qc", per_row, c, "q", per_row_weights=True)
        body.append(f"{p}zc = linalg.add ins({p}qc, {ln} : {ttype([c, d])}, "
                    f"{ttype([c, d])}) outs({p}e{d} : {ttype([c, d])}) -> {ttype([c, d])}")
        finals = []
        for n in names:
            shape = inner.shapes[n]
            zeros = ", ".join(["0"] * len(shape))
            ones = ", ".join(["1"] * (len(shape) + 1))
            body.append(f"{p}{n}n = tensor.extract_slice {per_row[n]}[{c - 1}, {zeros}] "
                        f"[1, {', '.join(map(str, shape))}] [{ones}] : "
                        f"{ttype([c] + shape)} to {ttype(shape)}")
            finals.append(f"{p}{n}n")
        types = [ttype(inner.shapes[n]) for n in names] + [ttype([c, d])]
        body.append(f"ttt.yield {', '.join(finals)}, {p}zc : {', '.join(types)}")
        return lines + ["  " + b for b in body]

    def decode_body(self, inner, layer):
        """One token at mini-batch position r: add its tau-free gradient
        (times alpha) to the sums, W_bar = W - tau_r * sums, output from
        W_bar; commit (W = W_bar, sums = 0) when r is the last position."""
        p, d, names = inner.p, inner.d, inner.names
        c = 1
        args = [f"{p}{n}: {ttype(inner.shapes[n])}" for n in names]
        args += [f"{p}G{n}: {ttype(inner.shapes[n])}" for n in names]
        args += [f"{p}gamma: {ttype([d])}", f"{p}beta: {ttype([d])}",
                 f"{p}tau: {ttype([1])}", f"{p}commit: {ttype([1])}"]
        args += [f"{p}{n}c: {ttype([c, d])}" for n in ("q", "k", "v")]
        args.append(f"{p}ac: {ttype([c])}")
        lines = [f"^bb0({', '.join(args)}):"]
        body = []
        inner.prologue(body, c)
        inner.grads(body, c)
        # The scalars (alpha, tau_r, commit flag) are read inside the
        # elementwise ops (a broadcast from their one-element tensors), so
        # that no host code reads device memory in a GPU build.
        bars, new_w, new_g = {}, [], []
        for n in names:
            shape = inner.shapes[n]
            dims = [f"d{i}" for i in range(len(shape))]
            grad = f"{p}g{n}_flat"
            body.append(f"{grad} = tensor.collapse_shape {p}g{n} "
                        f"[[0, 1]{''.join(f', [{i + 2}]' for i in range(len(shape) - 1))}] : "
                        f"{ttype([1] + shape)} into {ttype(shape)}")

            def ew(out, ins, scalars, ops, result):
                amap = f"affine_map<({', '.join(dims)}) -> ({', '.join(dims)})>"
                smap = f"affine_map<({', '.join(dims)}) -> (0)>"
                iters = ", ".join(['"parallel"'] * len(dims))
                maps = [amap] * len(ins) + [smap] * len(scalars) + [amap]
                types = [ttype(shape)] * len(ins) + [ttype([1])] * len(scalars)
                body.append(f"{out}_e = tensor.empty() : {ttype(shape)}")
                body.append(f"{out} = linalg.generic {{indexing_maps = [{', '.join(maps)}], "
                            f"iterator_types = [{iters}]}} ins({', '.join(ins + scalars)} : "
                            f"{', '.join(types)}) outs({out}_e : {ttype(shape)}) {{")
                args = [f"{out}_x{i}: f32" for i in range(len(ins))]
                args += [f"{out}_y{i}: f32" for i in range(len(scalars))]
                body.append(f"^bb0({', '.join(args)}, {out}_o: f32):")
                for op in ops:
                    body.append("  " + op.format(o=out))
                body.append(f"  linalg.yield {result.format(o=out)} : f32")
                body.append(f"}} -> {ttype(shape)}")
            # Sum of this mini-batch's alpha-weighted gradients.
            ew(f"{p}S{n}", [f"{p}G{n}", grad], [f"{p}ac"],
               [f"{{o}}_m = arith.mulf {{o}}_y0, {{o}}_x1 : f32",
                f"{{o}}_s = arith.addf {{o}}_x0, {{o}}_m : f32"], "{o}_s")
            ew(f"{p}bar{n}", [f"{p}{n}", f"{p}S{n}"], [f"{p}tau"],
               [f"{{o}}_m = arith.mulf {{o}}_y0, {{o}}_x1 : f32",
                f"{{o}}_s = arith.subf {{o}}_x0, {{o}}_m : f32"], "{o}_s")
            bars[n] = f"{p}bar{n}"
            ew(f"{p}new{n}", [f"{p}bar{n}", f"{p}{n}"], [f"{p}commit"],
               [f"{{o}}_c = arith.cmpf one, {{o}}_y0, {p}f0 : f32",
                f"{{o}}_s = arith.select {{o}}_c, {{o}}_x0, {{o}}_x1 : f32"], "{o}_s")
            ew(f"{p}newG{n}", [f"{p}S{n}"], [f"{p}commit"],
               [f"{{o}}_c = arith.cmpf one, {{o}}_y0, {p}f0 : f32",
                f"{{o}}_s = arith.select {{o}}_c, {p}f0, {{o}}_x0 : f32"], "{o}_s")
            new_w.append(f"{p}new{n}")
            new_g.append(f"{p}newG{n}")
        ln = inner.forward(body, f"{p}qc", bars, c, "q")
        body.append(f"{p}zc = linalg.add ins({p}qc, {ln} : {ttype([c, d])}, "
                    f"{ttype([c, d])}) outs({p}e{d} : {ttype([c, d])}) -> {ttype([c, d])}")
        types = [ttype(inner.shapes[n]) for n in names] * 2 + [ttype([c, d])]
        body.append(f"ttt.yield {', '.join(new_w + new_g)}, {p}zc : {', '.join(types)}")
        return lines + ["  " + b for b in body]

    # -- blocks and functions ---------------------------------------------
    def block(self, w, x, rows, layer, ctx):
        cfg = self.cfg
        hid, ff = cfg["hidden_size"], cfg["intermediate_size"]
        p = f"model.layers.{layer}."
        xn = self.rms_norm(w, x, rows, p + "seq_norm.weight")
        x = self.add(w, [rows, hid], x, self.ttt_layer(w, xn, rows, layer, ctx))
        hn = self.rms_norm(w, x, rows, p + "ffn_norm.weight")
        gate = w.matmul_t(hn, rows, hid, self.weight(w, p + "mlp.gate_proj.weight"), ff)
        up = w.matmul_t(hn, rows, hid, self.weight(w, p + "mlp.up_proj.weight"), ff)
        silu = w.fresh("silu")
        w.emit(f"{silu} = ttt.silu {gate} : {ttype([rows, ff])}")
        act = self.multiply(w, [rows, ff], silu, up)
        down = w.matmul_t(act, rows, ff, self.weight(w, p + "mlp.down_proj.weight"), hid)
        return self.add(w, [rows, hid], x, down)

    def embed(self, w, rows):
        cfg = self.cfg
        table = self.weight(w, "model.embed_tokens.weight")
        shape = [rows, cfg["hidden_size"]]

        def body(a, acc):
            return [f"%p = arith.index_cast {a[0]} : i32 to index",
                    f"%s = linalg.index 1 : index",
                    f"%t = tensor.extract {table}[%p, %s] : "
                    f"{ttype([cfg['vocab_size'], cfg['hidden_size']])}"], "%t"
        return w.generic(["r", "c"], ["parallel", "parallel"],
                         [("%tokens", [rows], ["r"], "i32")], w.empty(shape), shape,
                         ["r", "c"], body, "embed")

    def _writer(self):
        w = Writer()
        w.reshape_slice = lambda value, position: self._row(w, value, position)
        self.cache = {}
        return w

    def _decode_context(self, w, ctx):
        """Position r, its RoPE rows and the commit flag of a decode step."""
        cfg = self.cfg
        bt, d = cfg["mini_batch_size"], mc.head_dim(cfg)
        c0 = w.const_index(0)
        pos_i32 = w.fresh("pos")
        w.emit(f"{pos_i32} = tensor.extract %position[{c0}] : {ttype([1], 'i32')}")
        pos = w.fresh("posi")
        w.emit(f"{pos} = arith.index_cast {pos_i32} : i32 to index")
        ctx["position"] = pos
        cos, sin = rope_tables(cfg, range(bt))
        cos_t, sin_t = w.fresh("cos"), w.fresh("sin")
        w.emit(f"{cos_t} = arith.constant {dense_f32(cos)}")
        w.emit(f"{sin_t} = arith.constant {dense_f32(sin)}")
        ctx["cos"] = w.fresh("cosr")
        w.emit(f"{ctx['cos']} = tensor.extract_slice {cos_t}[{pos}, 0] [1, {d // 2}] "
               f"[1, 1] : {ttype([bt, d // 2])} to {ttype([1, d // 2])}")
        ctx["sin"] = w.fresh("sinr")
        w.emit(f"{ctx['sin']} = tensor.extract_slice {sin_t}[{pos}, 0, 0] "
               f"[1, {d // 2}, 2] [1, 1, 1] : {ttype([bt, d // 2, 2])} to "
               f"{ttype([1, d // 2, 2])}")
        # 1.0 when this token completes its mini-batch (commit), else 0.
        last = w.const_index(bt - 1)
        is_last = w.fresh("islast")
        w.emit(f"{is_last} = arith.cmpi eq, {pos}, {last} : index")
        one, zero = w.const_f32(1.0), w.const_f32(0.0)
        flag = w.fresh("flag")
        w.emit(f"{flag} = arith.select {is_last}, {one}, {zero} : f32")
        commit = w.fresh("commit")
        w.emit(f"{commit} = tensor.splat {flag} : {ttype([cfg['num_attention_heads'], 1])}")
        ctx["commit"] = commit

    def block_function(self, name, rows, decode):
        """One block as a private function, called once per layer with that
        layer's weight and state base offsets: the layers share its code."""
        cfg = self.cfg
        hid, heads, bt, d = (cfg["hidden_size"], cfg["num_attention_heads"],
                             cfg["mini_batch_size"], mc.head_dim(cfg))
        w = self._writer()
        first_weight = self.weight_index["model.layers.0.seq_norm.weight"][1]
        first_state = self.states[0][2]
        self.wbase, self.sbase = ("%wbase", first_weight), ("%sbase", first_state)
        ctx = {"decode": decode, "new_states": {}}
        args = [f"%x: {ttype([rows, hid])}",
                f"%weights: {ttype([self.nw])} {{bufferization.writable = false}}",
                f"%states: {ttype([self.ns])} {{bufferization.writable = false}}",
                "%wbase: index", "%sbase: index"]
        if decode:
            ctx.update(position="%position", cos="%cos", sin="%sin", commit="%commit")
            args += ["%position: index", f"%cos: {ttype([1, d // 2])}",
                     f"%sin: {ttype([1, d // 2, 2])}", f"%commit: {ttype([heads, 1])}"]
        else:
            cos, sin = rope_tables(cfg, [r % bt for r in range(rows)])
            ctx["cos"], ctx["sin"] = w.fresh("cos"), w.fresh("sin")
            w.emit(f"{ctx['cos']} = arith.constant {dense_f32(cos)}")
            w.emit(f"{ctx['sin']} = arith.constant {dense_f32(sin)}")
        x = self.block(w, "%x", rows, 0, ctx)
        self.wbase = self.sbase = None
        states = list(ctx["new_states"].items())
        values = [x] + [v for _, (v, _) in states]
        types = [ttype([rows, hid])] + [ttype(shape) for _, (_, shape) in states]
        w.emit(f"return {', '.join(values)} : {', '.join(types)}")
        head = (f"func.func private @{name}({', '.join(args)}) -> "
                f"({', '.join(types)}) {{")
        # State names relative to layer 0 ("layers.0.W1_states" -> "W1_states").
        suffixes = [n.split(".", 2)[2] for n, _ in states]
        shapes = [shape for _, (_, shape) in states]
        return "\n".join([head] + w.lines + ["}"]), types, suffixes, shapes

    def function(self, name, rows, decode):
        cfg = self.cfg
        hid, vocab = cfg["hidden_size"], cfg["vocab_size"]
        block_text, block_types, suffixes, shapes = self.block_function(
            f"{name}_block", rows, decode)
        w = self._writer()
        ctx = {}
        if decode:
            self._decode_context(w, ctx)
        x = self.embed(w, rows)
        new_states = {}
        state_starts = {n: off for n, _, off, _ in self.states}
        for layer in range(cfg["num_hidden_layers"]):
            wbase = w.const_index(
                self.weight_index[f"model.layers.{layer}.seq_norm.weight"][1])
            sbase = w.const_index(state_starts[f"layers.{layer}.{self.states[0][0].split('.', 2)[2]}"])
            operands = [x, "%weights", "%states", wbase, sbase]
            operand_types = [ttype([rows, hid]), ttype([self.nw]), ttype([self.ns]),
                             "index", "index"]
            if decode:
                operands += [ctx["position"], ctx["cos"], ctx["sin"], ctx["commit"]]
                operand_types += ["index", ttype([1, mc.head_dim(cfg) // 2]),
                                  ttype([1, mc.head_dim(cfg) // 2, 2]),
                                  ttype([cfg["num_attention_heads"], 1])]
            result = w.fresh("blk")
            w.emit(f"{result}:{len(block_types)} = func.call @{name}_block("
                   f"{', '.join(operands)}) : ({', '.join(operand_types)}) -> "
                   f"({', '.join(block_types)})")
            x = f"{result}#0"
            for i, (suffix, shape) in enumerate(zip(suffixes, shapes)):
                new_states[f"layers.{layer}.{suffix}"] = (f"{result}#{i + 1}", shape)
        hn = self.rms_norm(w, x, rows, "model.norm.weight")
        table = self.weight(w, "model.embed_tokens.weight")
        if cfg["logits"] == "all" and not decode:
            logits = w.matmul_t(hn, rows, hid, table, vocab)
            logits_shape = [rows, vocab]
        else:
            last = w.fresh("lastrow")
            w.emit(f"{last} = tensor.extract_slice {hn}[{rows - 1}, 0] [1, {hid}] [1, 1] "
                   f": {ttype([rows, hid])} to {ttype([1, hid])}")
            logits = w.reshape(w.matmul_t(last, 1, hid, table, vocab), [1, vocab], [vocab])
            logits_shape = [vocab]
        # The new state blob: the old one with each new state written over.
        blob = w.fresh("blob")
        w.emit(f"{blob}_e = tensor.empty() : {ttype([self.ns])}")
        w.emit(f"{blob} = linalg.copy ins(%states : {ttype([self.ns])}) "
               f"outs({blob}_e : {ttype([self.ns])}) -> {ttype([self.ns])}")
        for state_name, (value, shape) in new_states.items():
            _, off = self.state_index[state_name]
            flat = w.reshape(value, shape, [mc.numel(shape)])
            blob = w.insert_1d(flat, blob, self.ns, off, mc.numel(shape))
        w.emit(f"return {logits}, {blob} : {ttype(logits_shape)}, {ttype([self.ns])}")
        args = [f"%tokens: {ttype([rows], 'i32')}"]
        if decode:
            args.append(f"%position: {ttype([1], 'i32')}")
        args += [f"%weights: {ttype([self.nw])} {{bufferization.writable = false}}",
                 f"%states: {ttype([self.ns])} {{bufferization.writable = false}}"]
        head = (f"func.func @{name}({', '.join(args)}) -> "
                f"({ttype(logits_shape)}, {ttype([self.ns])}) {{")
        return (block_text + "\n\n" + "\n".join([head] + w.lines + ["}"]),
                logits_shape)

    def _row(self, w, value, position):
        """value[position : position + 1] of a rank-1 tensor<BT>."""
        bt = self.cfg["mini_batch_size"]
        name = w.fresh("row")
        w.emit(f"{name} = tensor.extract_slice {value}[{position}] [1] [1] : "
               f"{ttype([bt])} to {ttype([1])}")
        return name

    def module(self):
        """The MLIR module and the manifest's entries (symbols unmangled)."""
        functions, entries = [], []
        sizes = sorted({self.cfg["prefill_tokens"], self.cfg["mini_batch_size"]},
                       reverse=True)
        for size in sizes:
            text, shape = self.function(f"prefill_{size}", size, decode=False)
            functions.append(text)
            entries.append({"role": "prefill", "function": f"prefill_{size}",
                            "tokens": size, "logits_shape": shape})
        text, shape = self.function("decode", 1, decode=True)
        functions.append(text)
        entries.append({"role": "decode", "function": "decode", "tokens": 1,
                        "logits_shape": shape})
        header = ("// Generated by ttt-model-gen from a model configuration "
                  "(docs/MODEL.md); do not edit.\n")
        return header + "\n\n".join(functions) + "\n", entries

    def manifest(self, library, entries):
        cfg = self.cfg
        keys = ("vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
                "num_attention_heads", "mini_batch_size", "ttt_layer_type",
                "ttt_base_lr", "use_gate", "rope_theta", "rms_norm_eps")
        return {
            "format": "ttt-artifact", "version": 1, "kind": "model",
            "target": "cpu", "library": library,
            "model": {k: cfg[k] for k in keys},
            "weights": [{"name": n, "dtype": "f32", "shape": s, "offset": o}
                        for n, s, o in self.weights],
            "weights_size": self.nw,
            "tied": {"lm_head.weight": "model.embed_tokens.weight"},
            "states": [{"name": n, "shape": s, "offset": o, "init": i}
                       for n, s, o, i in self.states],
            "states_size": self.ns,
            "entries": [{"role": e["role"], "symbol": "_mlir_ciface_" + e["function"],
                         "tokens": e["tokens"], "logits_shape": e["logits_shape"]}
                        for e in entries],
        }
