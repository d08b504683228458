"""How well the task suggestions do on notes the model never saw: eval/sets/tasks_heldout.jsonl.

Run: .venv/bin/python eval/suggestions.py

The held-out set was written apart from the training notes (delib/data/task_training.jsonl),
in other words and on other points, with the same labels: task numbers (one or more, or none
for practical remarks) and message numbers (often none). Nothing here feeds back into the
model: its thresholds come from cross-validation on the training notes alone.

Figures: macro-F1 over the four tasks with a bootstrap 95 % interval (1,000 resamples of the
notes, seeded), precision/recall/F1 per task, message F1, how often the model abstains (on
notes without a task, where it should, and on notes with one, where it should not), and time:
training at first use, ms per single suggestion, seconds for 10,000 notes in one call.
"""

import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score, precision_recall_fscore_support

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SET = ROOT / "eval" / "sets" / "tasks_heldout.jsonl"
TASKS = (1, 2, 3, 4)
MESSAGES = (1, 2, 3)
RESAMPLES = 1000
SEED = 2021


def load(path: Path = SET) -> list[dict]:
    """The labelled notes of the held-out set."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _matrix(label_sets: list[set[int]], numbers: tuple[int, ...]) -> np.ndarray:
    return np.array([[n in labels for n in numbers] for labels in label_sets], dtype=int)


def bootstrap_macro_f1(truth: np.ndarray, predicted: np.ndarray, resamples: int = RESAMPLES,
                       seed: int = SEED) -> tuple[float, float]:
    """The 2.5 and 97.5 percentiles of macro-F1 over notes drawn with replacement."""
    rng = np.random.default_rng(seed)
    n = len(truth)
    scores = []
    for _ in range(resamples):
        pick = rng.integers(0, n, n)
        scores.append(f1_score(truth[pick], predicted[pick], average="macro", zero_division=0))
    low, high = np.percentile(scores, [2.5, 97.5])
    return float(low), float(high)


def evaluate(notes: list[dict] | None = None, timing: bool = True) -> dict:
    """All figures for the held-out set (or the given notes) as a dict."""
    notes = load() if notes is None else notes
    started = time.perf_counter()
    from delib.services.language import classifier

    import_s = time.perf_counter() - started
    started = time.perf_counter()
    classifier.model_for()
    training_s = time.perf_counter() - started

    texts = [n["text"] for n in notes]
    suggestions = classifier.suggest_many(texts)
    task_truth = _matrix([set(n["tasks"]) for n in notes], TASKS)
    task_pred = _matrix([{s.number for s in found if s.kind == "task"} for found in suggestions],
                        TASKS)
    msg_truth = _matrix([set(n.get("messages", [])) for n in notes], MESSAGES)
    msg_pred = _matrix([{s.number for s in found if s.kind == "message"}
                        for found in suggestions], MESSAGES)

    precision, recall, f1, support = precision_recall_fscore_support(
        task_truth, task_pred, average=None, zero_division=0)
    macro = float(np.mean(f1))
    low, high = bootstrap_macro_f1(task_truth, task_pred)
    m_precision, m_recall, m_f1, m_support = precision_recall_fscore_support(
        msg_truth, msg_pred, average=None, zero_division=0)

    abstained = np.array([not found for found in suggestions])
    no_task_suggested = task_pred.sum(axis=1) == 0
    no_task = task_truth.sum(axis=1) == 0
    practical = no_task & (msg_truth.sum(axis=1) == 0)
    message_only = no_task & ~practical
    figures = {
        "notes": len(notes),
        "macro_f1": macro,
        "macro_f1_ci": (low, high),
        "tasks": {n: {"precision": float(precision[i]), "recall": float(recall[i]),
                      "f1": float(f1[i]), "support": int(support[i])}
                  for i, n in enumerate(TASKS)},
        "message_micro_f1": float(f1_score(msg_truth, msg_pred, average="micro",
                                           zero_division=0)),
        "messages": {n: {"precision": float(m_precision[i]), "recall": float(m_recall[i]),
                         "f1": float(m_f1[i]), "support": int(m_support[i])}
                     for i, n in enumerate(MESSAGES)},
        "abstain_rate": float(abstained.mean()),
        # On the task side: no task suggested, where the note has none (right) or has one.
        "no_task_on_no_task": _share(no_task_suggested, no_task),
        "no_task_on_task": _share(no_task_suggested, ~no_task),
        # Whole abstention ([]) on practical remarks, and on notes with a message only.
        "abstain_on_practical": _share(abstained, practical),
        "abstain_on_message_only": _share(abstained, message_only),
        "no_task_notes": int(no_task.sum()),
        "practical_notes": int(practical.sum()),
        "model_version": classifier.MODEL_VERSION,
        "import_s": import_s,
        "training_s": training_s,
    }
    if timing:
        single = []
        for text in texts:
            t0 = time.perf_counter()
            classifier.suggest(text)
            single.append((time.perf_counter() - t0) * 1000)
        many = (texts * (10_000 // len(texts) + 1))[:10_000]
        t0 = time.perf_counter()
        classifier.suggest_many(many)
        figures["ms_per_suggestion_median"] = statistics.median(single)
        figures["ms_per_suggestion_max"] = max(single)
        figures["s_for_10000"] = time.perf_counter() - t0
    return figures


def _share(flags: np.ndarray, where: np.ndarray) -> float:
    return float(flags[where].mean()) if where.any() else 0.0


def report(figures: dict) -> str:
    """The figures as the text `main` prints."""
    lines = [
        f"model {figures['model_version']}, {figures['notes']} held-out notes",
        f"macro-F1 over the four tasks: {figures['macro_f1']:.3f} "
        f"(95 % CI {figures['macro_f1_ci'][0]:.3f}-{figures['macro_f1_ci'][1]:.3f}, "
        f"bootstrap {RESAMPLES}, seed {SEED})",
        "task  precision  recall     F1  notes",
    ]
    for number, row in figures["tasks"].items():
        lines.append(f"{number:>4}  {row['precision']:9.3f}  {row['recall']:6.3f}  "
                     f"{row['f1']:5.3f}  {row['support']:5d}")
    lines.append(f"messages: micro-F1 {figures['message_micro_f1']:.3f}; per message "
                 + ", ".join(f"{n}: F1 {row['f1']:.3f} (P {row['precision']:.2f}, "
                             f"R {row['recall']:.2f}, {row['support']} notes)"
                             for n, row in figures["messages"].items()))
    lines.append(f"suggests no task for {figures['no_task_on_no_task']:.1%} of the "
                 f"{figures['no_task_notes']} notes without a task (should) and for "
                 f"{figures['no_task_on_task']:.1%} of the notes with one (should not)")
    lines.append(f"abstains ([]) on {figures['abstain_rate']:.1%} of all notes: "
                 f"{figures['abstain_on_practical']:.1%} of the {figures['practical_notes']} "
                 f"practical remarks (should), {figures['abstain_on_message_only']:.1%} of the "
                 f"notes with only a message (should not)")
    lines.append(f"training at first use in a process: {figures['training_s']:.2f} s "
                 f"(importing the module, scikit-learn and lemmy: {figures['import_s']:.2f} s)")
    if "s_for_10000" in figures:
        lines.append(f"one suggestion: {figures['ms_per_suggestion_median']:.1f} ms median, "
                     f"{figures['ms_per_suggestion_max']:.1f} ms max; "
                     f"10,000 notes in one call: {figures['s_for_10000']:.1f} s")
    return "\n".join(lines)


def main() -> None:
    """Print the held-out figures."""
    print(report(evaluate()))


if __name__ == "__main__":
    main()
