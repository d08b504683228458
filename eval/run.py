"""`make eval`: delib's quality figures, measured on the project's own Danish sets.

Each part runs on data the product never trained on or tuned against in code:
- search: recall and precision of KL's Danish search (eval/sets/search.*);
- suggestions: macro-F1 of the task suggestions on a held-out set (eval/sets/tasks_heldout.jsonl);
- themes: points found, purity and where the one-off remarks went (eval/sets/themes.*);
- privacy: recall and precision of the name guard on labelled notes (eval/sets/privacy.jsonl).
"""

import importlib
import sys
import time
from pathlib import Path

PARTS = ("search", "suggestions", "themes", "privacy")


def main(argv: list[str]) -> int:
    """Run the named parts (all by default) one after the other and print their figures."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    chosen = argv or list(PARTS)
    unknown = [p for p in chosen if p not in PARTS]
    if unknown:
        print(f"unknown part(s): {', '.join(unknown)}; choose from {', '.join(PARTS)}")
        return 2
    for part in chosen:
        print(f"\n=== {part} " + "=" * (60 - len(part)))
        started = time.perf_counter()
        importlib.import_module(part).main()
        print(f"({part}: {time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
