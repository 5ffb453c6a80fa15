"""Where the apps-and-bots list comes from: Kore's public API, an exported JSON/CSV file, or the sandbox.

The pane owns its fields and their rules (engine.apps.client_id_problem / file_problem, shown under the
field), the load progress and the error note. `take_answers()` hands the screen what to load with; the
API secret comes from $KORE_API_CLIENT_SECRET or the masked field, and the field is emptied the moment
it is taken: a secret is used for one load and never kept, in the widget or anywhere else.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from textual import getters, on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, ProgressBar, RadioSet, Static

from byok_tui.engine import apps as apps_step
from byok_tui.errors import InputError
from byok_tui.secret import Secret
from byok_tui.state import AppsState

from .field import FieldMessage, Row
from .marks import Radio
from .notes import ErrorNote
from .rules import Rule

SOURCE_LABELS = {"kore-api": "Kore API", "file": "Exported file", "sandbox": "Sandbox"}
FIELDS = {"client-id": "Client ID", "secret": "Secret", "kore-host": "Environment URL", "file-path": "File"}
"""Widget id -> the label the operator sees."""
ENGINE_FIELDS = {"apps.kore_api_client_id": "client-id", apps_step.SECRET_ENV: "secret", "apps.file": "file-path",
                 "apps.kore_host": "kore-host"}  # fmt: skip


def _host_problem(text: str) -> str | None:
    """Empty means the profile's host (or Kore's cloud); a pasted URL such as https://platform.kore.ai/ is fine."""
    from byok_tui import validate

    problem = validate.kore_environment_url(text) if text.strip() else None
    return f"Environment URL: {problem.removeprefix('Kore platform host ')}" if problem else None


"""engine.apps InputError field -> the widget that shows it."""


def _absolute(text: str) -> str:
    """The path as the session keeps it: absolute, so a resume from another folder still finds it."""
    return str(Path(text.strip()).expanduser().absolute())


def _host(text: str) -> str:
    from byok_tui import validate

    return validate.normalize_kore_host(text)


def _rule(check):  # the engine's messages already name their field ("File: ...")
    return Rule("", check)


class AppsSource(Vertical):
    """The source choice and its fields, the Load button, the load progress and the error note."""

    DEFAULT_CSS = """
    AppsSource {
        height: auto;
        .source-fields { height: auto; }
        .source-note { padding-left: 11; color: $text-muted; }
        .secret-env { color: $text-success; width: 1fr; }
        Row.-hidden { display: none; }
        .actions { padding-left: 11; }
        #load-progress { height: auto; margin-top: 1; display: none; }
        #load-status { color: $text-muted; }
        #keep-list { display: none; }
    }
    """

    source_set = getters.query_one("#source", RadioSet)
    client_id = getters.query_one("#client-id", Input)
    secret_input = getters.query_one("#secret", Input)
    file_input = getters.query_one("#file-path", Input)
    note = getters.query_one("#load-note", ErrorNote)

    def __init__(
        self, answers: AppsState, sources: tuple[str, ...], *, host_note: str = "", **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self.host_note = host_note
        """Which Kore host the API source calls, and why (engine.apps.host_note)."""
        self.answers = answers
        """The apps answers the screen opened with (source, file, client id)."""
        self.sources = sources
        """The sources offered, in order (the sandbox only on a sandbox connection)."""

    def compose(self) -> ComposeResult:
        a = self.answers
        chosen = a.source if a.source in self.sources else self.sources[-1]
        env = apps_step.env_secret() is not None
        yield Static("Where the list comes from", classes="section")
        yield Row("Source", RadioSet(*(Radio(SOURCE_LABELS[s], value=s == chosen, id=f"src-{s}", compact=True)
                                       for s in self.sources), id="source", compact=True))  # fmt: skip
        with Vertical(id="fields-kore-api", classes="source-fields"):
            yield Row("Client ID", Input(a.kore_api_client_id, placeholder="the Admin Console app's Client ID",
                                         id="client-id", compact=True, validate_on=["changed", "blur"],
                                         validators=[_rule(apps_step.client_id_problem)]))  # fmt: skip
            yield FieldMessage(id="client-id-msg")
            if env:
                yield Row("Secret", Static(f"from ${apps_step.SECRET_ENV} (used once, never stored)",
                                           classes="secret-env"))  # fmt: skip
            yield Row("Secret", Input(placeholder="Client Secret (used once, never stored)", password=True,
                                      id="secret", compact=True), classes="-hidden" if env else "")  # fmt: skip
            yield FieldMessage(id="secret-msg")
            yield Row("Env. URL", Input(a.kore_host, placeholder=f"e.g. https://{apps_step.DEFAULT_KORE_HOST} "
                                        "(empty: the profile's, else Kore's cloud)", id="kore-host", compact=True,
                                        validate_on=["changed", "blur"], validators=[_rule(_host_problem)]))  # fmt: skip
            yield FieldMessage(id="kore-host-msg")
            if self.host_note:
                yield Static(self.host_note, id="kore-host-note", classes="source-note")
            yield Static("Admin Console > API Scopes: an app with Profile Management > Role Management. Every "
                         "page of GET /api/public/bots is read, paced under Kore's 60 calls a minute.",
                         classes="source-note")  # fmt: skip
        with Vertical(id="fields-file", classes="source-fields"):
            yield Row("File", Input(a.file, placeholder="e.g. ~/kore-bots.json or .csv", id="file-path",
                                    compact=True, validate_on=["blur", "submitted"],
                                    validators=[_rule(apps_step.file_problem)]))  # fmt: skip
            yield FieldMessage(id="file-path-msg")
            yield Static("An export with an id column (a JSON list or CSV); name, purpose and status are shown "
                         "when present. Secrets in it are dropped.", classes="source-note")  # fmt: skip
        with Vertical(id="fields-sandbox", classes="source-fields"):
            yield Static("Lists the bots of the sandbox's Kore account through Kore's public API.",
                         classes="source-note")  # fmt: skip
        with Horizontal(classes="actions"):
            yield Button("Load (l)", id="load", variant="primary", compact=True)
            yield Button("Back to the list", id="keep-list", compact=True)
        with Vertical(id="load-progress"):
            yield ProgressBar(total=1.0, show_eta=False, id="load-bar")
            yield Static("", id="load-status")
        yield ErrorNote(id="load-note")

    def on_mount(self) -> None:
        self.show_fields()

    # --- the choice --------------------------------------------------------------------------

    @property
    def source(self) -> str:
        pressed = self.source_set.pressed_button
        return pressed.id.removeprefix("src-") if pressed and pressed.id else self.sources[-1]

    @on(RadioSet.Changed, "#source")
    def _source_changed(self) -> None:
        self.show_fields()
        self.note.show_error(None)

    def show_fields(self) -> None:
        """Only the chosen source's fields show."""
        for fields in self.query(".source-fields"):
            fields.display = fields.id == f"fields-{self.source}"

    def focus_first(self) -> None:
        {"kore-api": self.client_id, "file": self.file_input}.get(self.source, self.source_set).focus()

    def allow_back(self, allowed: bool) -> None:
        """Offer "Back to the list" (a list is already loaded)."""
        self.query_one("#keep-list").display = allowed

    # --- rules ---------------------------------------------------------------------------------

    @on(Input.Changed, "#client-id, #secret, #kore-host, #file-path")
    def _field_changed(self, event: Input.Changed) -> None:
        """A typed rule shows at once for the client id; the file is checked when you leave it or Load;
        typing a secret settles what was said about it."""
        result = event.validation_result
        message = self.query_one(f"#{event.input.id}-msg", FieldMessage)
        if event.input.id in ("client-id", "kore-host") and result is not None and not result.is_valid:
            message.show(result.failure_descriptions[0])
        else:
            message.show(None)

    @on(Input.Blurred, "#file-path")
    def _file_left(self, event: Input.Blurred) -> None:
        if event.value.strip() and self.source == "file":
            self.query_one("#file-path-msg", FieldMessage).show(apps_step.file_problem(event.value))

    def show_problems(self, problems: list[tuple[str, str]]) -> None:
        """Each (widget id, message) under its field, older ones cleared; focus the first."""
        for widget_id in FIELDS:
            self.query_one(f"#{widget_id}-msg", FieldMessage).show(None)
        for widget_id, text in problems:
            self.query_one(f"#{widget_id}-msg", FieldMessage).show(text)
        if problems:
            self.query_one(f"#{problems[0][0]}").focus()

    def show_error(self, error: InputError | Exception) -> None:
        """A failed load: under the field it names, else in the note."""
        widget_id = ENGINE_FIELDS.get(getattr(error, "field", ""))
        if isinstance(error, InputError) and widget_id:
            label = FIELDS[widget_id]
            rule = error.rule if error.rule.startswith(f"{label}:") else f"{label}: {error.rule}"
            self.show_problems([(widget_id, rule)])
        else:
            self.note.show_error(error)  # type: ignore[arg-type]

    def take_answers(self) -> tuple[AppsState, Secret | None] | None:
        """What to load with, or None after showing what is wrong. Taking the secret empties its field."""
        source, client_id = self.source, self.client_id.value.strip()
        secret = apps_step.env_secret()
        problems: list[tuple[str, str]] = []
        if source == "kore-api":
            if problem := apps_step.client_id_problem(client_id):
                problems.append(("client-id", problem))
            if secret is None and not self.secret_input.value:
                problems.append(
                    ("secret", f"Secret: is required (or set ${apps_step.SECRET_ENV} before starting)")
                )
            if problem := _host_problem(self.query_one("#kore-host", Input).value):
                problems.append(("kore-host", problem))
        if source == "file" and (problem := apps_step.file_problem(self.file_input.value)):
            problems.append(("file-path", problem))
        self.show_problems(problems)
        if problems:
            return None
        if source == "kore-api" and secret is None:
            secret = Secret(self.secret_input.value)
        self.secret_input.value = ""  # taken for one load: never left in the widget
        a = self.answers
        answers = dataclasses.replace(
            a, source=source, file=_absolute(self.file_input.value) if source == "file" else a.file,
            kore_api_client_id=client_id if source == "kore-api" else a.kore_api_client_id,
            kore_host=_host(self.query_one("#kore-host", Input).value) if source == "kore-api" else a.kore_host,
        )  # fmt: skip
        return answers, secret

    # --- progress ------------------------------------------------------------------------------

    def load_started(self, source: str) -> None:
        """A load started: the bar at 0, the Load button off, earlier errors gone."""
        self.note.show_error(None)
        self.query_one("#load-progress").display = True
        self.query_one("#load", Button).disabled = True
        self.query_one("#load-bar", ProgressBar).update(total=1.0, progress=0)
        self.query_one("#load-status", Static).update(f"Loading from {SOURCE_LABELS[source].lower()}…")

    def progress(self, message: str, fraction: float | None = None) -> None:
        """engine.apps.load's progress: "Loaded 150 of 5000 apps and bots…"."""
        self.query_one("#load-status", Static).update(message)
        if fraction is not None:
            self.query_one("#load-bar", ProgressBar).update(progress=fraction)

    def load_finished(self) -> None:
        self.query_one("#load-progress").display = False
        self.query_one("#load", Button).disabled = False
