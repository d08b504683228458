"""One task seen from KL: its recurring themes, the chairs' summaries, the follow-up actions."""

from flask import request

from delib.access import kl_view, load_kl_task
from delib.blueprints.kl import bp
from delib.blueprints.kl.notes import choices
from delib.forms.kl import parse_filters
from delib.services.kl import overview, themes
from delib.web import render


@bp.get("/opgaver/<int:task_id>")
@kl_view
def task(event, task_id: int):
    """One task: its recurring themes, the chairs' summaries and the follow-up actions."""
    task = load_kl_task(event, task_id)
    f = parse_filters(event, {**request.args.to_dict(), "task": str(task.id)})
    return render("kl/task.html", event=event, task=task, filters=f,
                  themes=themes.themes_for(event, f), summaries=overview.summaries(event, f),
                  actions=overview.actions(event, f),
                  described=overview.describe(event, f), **choices(event))
