"""A small parameter sweep that survives interruptions: Moran fixation over N x r.

chainlab.sweep expands a grid, runs every point on Dask (here a local cluster of two threads;
pass scheduler="tcp://host:port" to use a cluster of many machines) and writes each finished
point at once to an SQLite file. Running the same sweep again skips what is done -- so a
killed sweep just resumes. The command line does the same for the GMM agents:

    chainlab sweep gmm --neighbours 1,2 --mirror 0,1/5,2/5 --db results.sqlite
    chainlab sweep --db results.sqlite --export csv
"""

from fractions import Fraction

from chainlab import exact
from chainlab.models import moran
from chainlab.sweep import ResultStore, expand_grid, run_sweep


def fixation(point):
    """One grid point: exact fixation probability and expected duration from one mutant."""
    chain = moran(point["N"], Fraction(point["r"]), start=1)
    res = exact.absorption(chain, variance=False)
    fixed = res.closed_classes.index((chain.states.index_of(point["N"]),))
    return {"fixation": res.initial_B[fixed], "steps": res.initial_t}


if __name__ == "__main__":
    grid = expand_grid({"N": [5, 10, 20], "r": ["1", "11/10", "3/2", "2"]})
    with ResultStore("moran_sweep.sqlite") as store:
        first = run_sweep("moran", fixation, grid[:6], store, workers=2, processes=False)
        print(f"first run (interrupted after 6 points, say): {first.num_finished} computed")
        again = run_sweep("moran", fixation, grid, store, workers=2, processes=False)
        print(f"second run: {again.num_skipped} already done, {again.num_finished} computed")
        rows = sorted(store.rows(), key=lambda row: (row["N"], Fraction(row["r"])))
        print(f"{'N':>3} {'r':>6} {'P(fix)':>9} {'E[steps]':>9}")
        for row in rows:
            print(f"{row['N']:>3} {row['r']:>6} {row['fixation_float']:9.5f} "
                  f"{row['steps_float']:9.2f}")
        with open("moran_sweep.csv", "w") as fh:
            fh.write(store.export("csv"))
    print("table written to moran_sweep.csv")
