"""Write a chain for PRISM or Storm, read it back exactly, and analyse it from the command line.

Decimal probabilities in files are read exactly (0.4 is 2/5), so a chain written by chainlab and
read back is *equal* to the original — the basis for cross-checking results with Storm/PRISM.
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from chainlab import Chain, exact
from chainlab.io import read_chain, write_drn, write_prism

chain = Chain(
    {"start": {"start": "1/5", "left": "0.4", "right": "0.4"},
     "left": {"left": 1},
     "right": {"right": 1}},
    initial="start",
    labels={"goal": ["left"]},
)
print(chain, "— P(reach left) =", exact.hitting(chain, "goal").initial_probability)

with tempfile.TemporaryDirectory() as d:
    drn = write_drn(chain, Path(d) / "walk.drn")
    prism = write_prism(chain, Path(d) / "walk")
    print("wrote", drn.name, "and", ", ".join(p.name for p in prism.values()))
    back = read_chain(drn)
    # labels become indices in files; the structure and every probability survive exactly
    assert back.num_states == 3 and back.probability(0, 1) == chain.probability("start", "left")
    out = subprocess.run([sys.executable, "-m", "chainlab.cli", "analyze", str(drn),
                          "--json", "--target", "goal"],
                         capture_output=True, text=True, check=True)
    report = json.loads(out.stdout)
    print("chainlab analyze:", report["reach"], "expected steps:", report["expected_steps"])
    assert report["reach"]["0"] == "1/2" and report["expected_steps"]["0"] == "5/4"
