"""Gambler's ruin, exactly and in floats, against its closed form.

A gambler with i coins bets one coin per round, winning with probability p, until she has
nothing or N coins. The ruin probability and the expected duration have closed forms; chainlab's
exact backend reproduces them digit for digit, and the float backend keeps its relative accuracy
even where the probability of winning is astronomically small.
"""

from fractions import Fraction

from chainlab import Chain, exact, numeric


def gamblers_ruin(N: int, p: Fraction) -> Chain:
    # states 0..N; 0 and N are absorbing
    transitions = [(0, 0, 1), (N, N, 1)]
    transitions += [(i, i + 1, p) for i in range(1, N)]
    transitions += [(i, i - 1, 1 - p) for i in range(1, N)]
    return Chain.from_transitions(N + 1, transitions, initial=1, labels={"rich": [N]})


N, p = 20, Fraction(2, 5)
chain = gamblers_ruin(N, p)
res = exact.absorption(chain)

# closed form: P(ruin from i) = (r^i - r^N) / (1 - r^N) with r = q / p
r = (1 - p) / p
for i in (1, 10, 19):
    closed = (r**i - r**N) / (1 - r**N)
    assert res.B[i, 0] == closed
    print(f"from {i:2d}: P(ruin) = {res.B[i, 0]}  (= {float(res.B[i, 0]):.6f}), "
          f"E[duration] = {float(res.t[i]):.4f}, sd = {float(res.variance[i]) ** 0.5:.4f}")

# the float backend on a long game: P(win from 1) ~ 1e-170, still to full relative accuracy
big = gamblers_ruin(1000, p)
win = numeric.hitting(big, "rich").probabilities[1]
exact_win = (r - 1) / (r**1000 - 1)
print(f"N = 1000: P(win from 1) = {win:.12e} (exact {float(exact_win):.12e}), "
      f"relative error {abs(win - float(exact_win)) / float(exact_win):.1e}")
