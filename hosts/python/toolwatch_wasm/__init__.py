"""toolwatch for Python: the same WebAssembly core as the JS package, run by wasmtime.

from toolwatch_wasm import Detector
d = Detector({"minCalls": 20, "timeZone": "Europe/Paris"})
decision = d.check("send_email", {"to": "bob@example.com"}, principal="alice", tenant="acme")
if decision.action == "block": ...
"""

from .abi import REASON_CODES, SIGNALS
from .detector import ANONYMOUS, Decision, Detector, Reason, find_wasm
from .errors import ToolwatchError

__all__ = ["Detector", "Decision", "Reason", "ToolwatchError", "find_wasm", "ANONYMOUS", "SIGNALS", "REASON_CODES"]
