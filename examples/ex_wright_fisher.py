"""Wright-Fisher: genetic drift and selection in a population of N gene copies.

Every generation the N copies are resampled binomially from the current allele frequency
(weighted by fitness 1 + s for allele A). Under neutrality the frequency is a martingale, so A
fixes with probability i / N; selection tilts the odds, and drift still loses a favoured
mutant most of the time. We also compare the time to absorption with the Moran process, whose
steps are single births (N of them make one generation).
"""

from fractions import Fraction

from chainlab import exact, numeric
from chainlab.models import moran, wright_fisher

N = 12
neutral = exact.hitting(wright_fisher(N), "fixed").probabilities
assert list(neutral) == [Fraction(i, N) for i in range(N + 1)]
print(f"neutral fixation from i copies = i/N for every i (N = {N}): checked exactly")

print("\none new mutant (i = 1), N = 12:")
print(f"{'s':>6} {'P(fix)':>10} {'x N':>6}   mean generations to absorption")
for s in (Fraction(0), Fraction(1, 20), Fraction(1, 10), Fraction(1, 2)):
    chain = wright_fisher(N, s, start=1)
    p = exact.hitting(chain, "fixed").initial_probability
    t = numeric.absorption(chain).initial_t
    print(f"{str(s):>6} {float(p):10.5f} {float(p) * N:6.2f}   {t:8.3f}")

# Moran steps are single births: N of them make about one Wright-Fisher generation
wf_t = numeric.absorption(wright_fisher(N, start=N // 2)).initial_t
mo_t = numeric.absorption(moran(N, start=N // 2)).initial_t
print(f"\nfrom N/2 copies: Wright-Fisher {wf_t:.2f} generations, Moran {mo_t:.1f} steps "
      f"= {mo_t / N:.2f} generations of N steps: per generation, drift in the Moran process is "
      "about twice as strong (its offspring variance is twice Wright-Fisher's)")
