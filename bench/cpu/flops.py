"""The FLOP count every CPU benchmark row is reported with: the chunked dual
form of the fla TTT-Linear inner loop, per mini-batch of BT tokens per head
(GEMM multiply-adds counted as 2 FLOPs; LayerNorm, its backward, the loss
gradient and the other elementwise work are ignored):

    Z = K W                               2 * BT * D * D
    Q W                                   2 * BT * D * D
    Q K^T (full BT x BT, then masked)     2 * BT * BT * D
    (E o tril(Q K^T) + tril(E)) G         2 * BT * BT * D
    W -= K^T (e_last G)                   2 * BT * D * D
    ---------------------------------------------------------
    per mini-batch per head               6 BT D^2 + 4 BT^2 D

i.e. 6 D^2 + 4 BT D per token per head: 28,672 FLOPs for D = 64, BT = 16.
Total = B * H * T * (6 D^2 + 4 BT D) (a partial last mini-batch is counted
as if it were full-length per token, which is what the formula per token
gives)."""


def dual_form_flops(B, T, H=12, D=64, BT=16):
    return B * H * T * (6 * D * D + 4 * BT * D)
