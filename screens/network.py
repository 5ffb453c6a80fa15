"""Step 5: how Kore's platform reaches the vault. Option A, approve Kore's private-endpoint connection
(recommended); option B, the vault firewall.

A lists the vault's private-endpoint connections with their status and picks the pending Kore one (or
says what to do while none is pending). B shows Kore's IP ranges (from the profile), takes extra IP rules,
the trusted-services bypass and this machine's own IP, looked up live; declining it shows the lock-out
warning. The look-ups are read-only screen workers; the change itself runs in the App's apply worker, after
FlowScreen's confirmation (the firewall is a restrictive change, and the modal says who loses access).
"""

from __future__ import annotations

import dataclasses

from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Button, Checkbox, DataTable, Input, RadioButton, RadioSet, Static

from byok_tui import glyphs
from byok_tui.engine import network as network_step
from byok_tui.engine.step import placed
from byok_tui.errors import ByokError
from byok_tui.models import EndpointConnectionInfo, VaultInfo
from byok_tui.state import WizardState

from .flow import FlowScreen
from .widgets.copyfield import CopyField
from .widgets.facts import Fact
from .widgets.field import FieldMessage, Row
from .widgets.marks import Radio, Tick
from .widgets.notes import ErrorNote
from .widgets.prereq import MissingSteps
from .widgets.rules import Rule

PE, FW = "private-endpoint", "firewall"
EXTRA_FIELD = "Also allow"
"""The label of the extra IP rules input; its messages start with it."""
FIREWALL_FIELDS = {"network.ip_rules": "#net-extra", "network.operator_ip": "#net-mine"}
"""engine.network.problems field -> the firewall form's widget that shows it (the rest are said above it)."""


def _extra_rules_problem(text: str) -> str | None:
    return network_step.parse_ip_rules(text, EXTRA_FIELD)[1]


class NetworkScreen(FlowScreen):
    """Step 5 of the seed: a private endpoint (recommended) or the firewall with Kore's IP ranges.

    Keys as in FlowScreen, plus:

    | Key | Page | Action |
    | :- | :- | :- |
    | l | form | Look up again: the connections, this machine's IP and the vault's firewall |
    """

    STEP = network_step.STEP
    STEP_ID = network_step.STEP_ID
    CSS_PATH = "steps.tcss"
    ready_text = "Kore can reach the vault, and so can this machine"
    BINDINGS = [Binding("l", "lookup", "Look up again", id="lookup",
                        tooltip="List the connections, look up this machine's IP and read the firewall again")]  # fmt: skip

    form = getters.query_one("#net-form", Vertical)
    mode_set = getters.query_one("#net-mode", RadioSet)
    table = getters.query_one("#net-connections", DataTable)
    pe_message = getters.query_one("#net-connections-msg", FieldMessage)
    extra = getters.query_one("#net-extra", Input)
    trusted = getters.query_one("#net-trusted", Checkbox)
    mine = getters.query_one("#net-mine", Checkbox)
    lockout = getters.query_one("#net-lockout", Static)
    missing = getters.query_one("#net-missing", MissingSteps)

    def __init__(self) -> None:
        super().__init__()
        self.connections: list[EndpointConnectionInfo] = []
        """The vault's private-endpoint connections, as last listed (table order)."""
        self.connections_listed = False
        """True once a listing answered (an empty list then means: none yet)."""
        self.operator_ip = ""
        """This machine's public IP as the vault saw it; "" until looked up (or when it could not be)."""
        self.firewall_now: VaultInfo | None = None
        """The vault's network rules as they are now (to say what the firewall would replace)."""

    # --- what Kore's ranges are ---------------------------------------------------------------

    @property
    def kore_ranges(self) -> tuple[str, ...]:
        """Kore's egress ranges from the App's profile; () when no profile names them."""
        return tuple(self.app.profile.kore_ip_ranges)

    @property
    def FORM_FOCUS(self) -> str:  # type: ignore[override]
        return "#goto-vault" if not self.app.state.vault.vault_id else "#net-mode"

    # --- the form -----------------------------------------------------------------------------

    def compose_form(self) -> ComposeResult:
        state = self.app.state
        n = state.network
        mode = n.mode if n.mode in (PE, FW) else PE
        kore = self.kore_ranges
        extras = network_step.not_among(n.ip_rules, kore)
        self.operator_ip = n.operator_ip
        yield MissingSteps(_missing(state), id="net-missing")
        with Vertical(id="net-form", classes=f"-{'pe' if mode == PE else 'fw'}"):
            yield Row("How", RadioSet(
                Radio(f"A {glyphs.SEP} Private endpoint (recommended)", value=mode == PE, id="net-pe", compact=True),
                Radio(f"B {glyphs.SEP} Firewall", value=mode == FW, id="net-fw", compact=True),
                id="net-mode", compact=True))  # fmt: skip
            yield FieldMessage(id="net-mode-msg")
            yield Static("Kore reaches the vault over Azure Private Link from its own network, never over the internet; "
                         "the vault's public endpoint stays as it is.", classes="net-explain when-pe")  # fmt: skip
            yield Static("The vault's public endpoint denies everyone but the addresses below.",
                         classes="net-explain when-fw")  # fmt: skip
            with Vertical(classes="when-pe"):
                # What Kore.ai support needs to create their endpoint: focus it and press c.
                yield CopyField("Vault resource id, for Kore.ai support (c copies)", state.vault.vault_id,
                                id="net-vault-id")  # fmt: skip
                yield Static(
                    f"Private-endpoint connections on {state.vault.name or 'the vault'}", classes="section"
                )
                yield DataTable(
                    id="net-connections", cursor_type="row", zebra_stripes=False, show_cursor=True
                )
                yield FieldMessage(id="net-connections-msg")
                yield ErrorNote(id="net-pe-note")
            with Vertical(classes="when-fw"):
                yield Static("Firewall rules", classes="section")
                yield Fact("Kore", _kore_text(kore), id="net-kore")
                yield Row(EXTRA_FIELD, Input(", ".join(extras), id="net-extra", compact=True,
                                             placeholder="e.g. 198.51.100.0/24, 203.0.113.7",
                                             validators=[Rule(EXTRA_FIELD, _extra_rules_problem)],
                                             validate_on=["changed", "blur"]))  # fmt: skip
                yield FieldMessage(id="net-extra-msg")
                yield Tick("Allow trusted Microsoft services", n.allow_trusted_services, id="net-trusted",
                               compact=True)  # fmt: skip
                yield Tick(_mine_label(self.operator_ip, looking=True), n.allow_operator_ip, id="net-mine",
                               compact=True)  # fmt: skip
                yield FieldMessage(id="net-mine-msg")
                yield Static(Content(f"{glyphs.WARNING} " + network_step.LOCKOUT_WARNING), id="net-lockout")
                yield ErrorNote(id="net-ip-note")
                yield Fact("Now", "reading the vault's network rules…", id="net-now")
                yield FieldMessage(id="net-now-msg")
        yield Button("Review changes (r)", id="review", variant="primary", compact=True)

    def on_mount(self) -> None:  # FlowScreen.on_mount runs too
        self.table.add_columns("Status", "Private endpoint (resource group)")
        self.lockout.display = not self.mine.value
        if self.app.state.vault.vault_id:
            self.action_lookup()
        else:
            self.pe_message.show("Nothing to list until Step 2 records the vault.", "info")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "lookup":
            return self.page == "form" and bool(self.app.state.vault.vault_id)
        return super().check_action(action, parameters)

    @property
    def mode(self) -> str:
        return FW if self.query_one("#net-fw", RadioButton).value else PE

    @on(RadioSet.Changed, "#net-mode")
    def _mode_changed(self) -> None:
        self.form.set_class(self.mode == PE, "-pe")
        self.form.set_class(self.mode == FW, "-fw")

    # --- look-ups (read-only, screen workers) -----------------------------------------------

    def action_lookup(self) -> None:
        self.list_connections()
        self.lookup_ip()
        self.read_firewall()

    @work(exclusive=True, group="net-connections", exit_on_error=False)
    async def list_connections(self) -> None:
        note = self.query_one("#net-pe-note", ErrorNote)
        self.table.loading = True
        try:
            found = await network_step.list_connections(self.app.state, self.app.conn)
        except ByokError as exc:
            note.show_error(exc)
            self.pe_message.show(None)
            return
        finally:
            self.table.loading = False
        note.show_error(None)
        self.connections, self.connections_listed = found, True
        self.table.clear()
        for c in found:
            self.table.add_row(_status(c.status), network_step.endpoint_name(c), key=c.name)
        self.table.display = bool(found)
        preferred = self._preferred(found)
        if preferred is not None:
            self.table.move_cursor(row=found.index(preferred), animate=False)
        self._show_chosen()

    def _preferred(self, found: list[EndpointConnectionInfo]) -> EndpointConnectionInfo | None:
        """The recorded connection, else the only pending one, else an approved one (engine's rule)."""
        recorded = self.app.state.network.connection_name
        if recorded and any(c.name == recorded for c in found):
            return next(c for c in found if c.name == recorded)
        try:
            return network_step.kore_connection(found)
        except ByokError:  # several pending: the operator picks Kore's
            return None

    @property
    def chosen(self) -> EndpointConnectionInfo | None:
        """The connection under the table's cursor."""
        if not self.connections or not self.table.display:
            return None
        row = self.table.cursor_row
        return self.connections[row] if 0 <= row < len(self.connections) else None

    @on(DataTable.RowHighlighted, "#net-connections")
    def _row_moved(self) -> None:
        self._show_chosen()

    def _show_chosen(self) -> None:
        if not self.connections_listed:
            return
        chosen = self.chosen
        if chosen is None:
            # In the demo nobody plays Kore's side: say so, and the way on.
            demo = f"\n{network_step.SANDBOX_PE_NOTE}" if self.app.conn.is_sandbox else ""
            self.pe_message.show("No private-endpoint connection yet. " + network_step.no_pending_remedy(
                self.app.state, "press l to list the connections again, then Review approves it") + demo,
                "info")  # fmt: skip
            return
        pending = [c for c in self.connections if c.status == "Pending"]
        several = f" {len(pending)} are pending: pick Kore's (Kore.ai support names its endpoint)." \
            if len(pending) > 1 else ""  # fmt: skip
        if chosen.status == "Pending":
            self.pe_message.show(f"{glyphs.PASS} Review approves {chosen.name}.{several}", "ok")
        elif chosen.status == "Approved":
            self.pe_message.show(f"{chosen.name} is already approved: Apply records it and changes nothing."
                                 + several, "info")  # fmt: skip
        else:
            self.pe_message.show(f"{chosen.name} is {chosen.status}: it cannot be approved. Ask Kore.ai support to "
                                 "create a new private endpoint, then press l to list again.")  # fmt: skip

    @work(exclusive=True, group="net-ip", exit_on_error=False)
    async def lookup_ip(self) -> None:
        note = self.query_one("#net-ip-note", ErrorNote)
        self.mine.label = _mine_label(self.operator_ip, looking=True)
        try:
            ip = await network_step.lookup_operator_ip(self.app.state, self.app.conn)
        except ByokError as exc:
            note.show_error(exc)
            ip = ""
        else:
            note.show_error(None)
        self.operator_ip = ip or self.operator_ip
        self.mine.label = _mine_label(self.operator_ip, looking=False)
        self._show_now()

    @work(exclusive=True, group="net-firewall", exit_on_error=False)
    async def read_firewall(self) -> None:
        try:
            self.firewall_now = await network_step.current_firewall(self.app.state, self.app.conn)
        except ByokError as exc:
            self.query_one("#net-now", Fact).set_value(f"could not read the vault's rules ({exc.title})")
            return
        self._show_now()

    def _show_now(self) -> None:
        """What the vault allows today, and which of today's rules the firewall change would drop."""
        vault = self.firewall_now
        if vault is None:
            return
        if vault.public_network_access.lower() == "disabled":
            now = "public network access is disabled (Apply turns it on for the addresses above only)"
        elif vault.default_action == "Allow":
            now = "open to all networks (no firewall yet)"
        else:
            now = "deny by default; allows " + (", ".join(vault.ip_rules) or "no address")
        self.query_one("#net-now", Fact).set_value(now)
        dropped = network_step.not_among(
            vault.ip_rules, network_step.rules(self._candidate(self.app.state, FW))
        )
        message = self.query_one("#net-now-msg", FieldMessage)
        message.show(f"Apply removes rules the vault has now: {', '.join(dropped)}." if dropped else None)

    @on(Input.Changed, "#net-extra")
    def _extra_typed(self, event: Input.Changed) -> None:
        result = event.validation_result
        message = self.query_one("#net-extra-msg", FieldMessage)
        message.show(None if result is None or result.is_valid else result.failure_descriptions[0])
        wide = network_step.broad_rules(network_step.parse_ip_rules(event.value)[0])
        if not message.text and wide:
            message.show(f"{glyphs.WARNING} {EXTRA_FIELD}: {', '.join(wide)} lets in a large part of the internet; the firewall "
                         "then keeps almost no one out.", "info")  # fmt: skip
        if message.text:
            message.scroll_visible(animate=False)
        self._show_now()

    @on(Checkbox.Changed, "#net-mine")
    def _mine_changed(self, event: Checkbox.Changed) -> None:
        self.lockout.display = not event.value
        self.query_one("#net-mine-msg", FieldMessage).show(None)
        if not event.value:
            self.lockout.scroll_visible(animate=False)
        self._show_now()

    @on(Input.Submitted, "#net-extra")
    def _extra_submitted(self) -> None:
        self.focus_next()

    # --- answers ------------------------------------------------------------------------------

    def _candidate(self, state: WizardState, mode: str = "") -> WizardState:
        """`state` with this form's answers for `mode` (default: the chosen one) in `state.network`; extra
        rules as typed, valid or not."""
        n = state.network
        if (mode or self.mode) == PE:
            chosen = self.chosen
            answers = dataclasses.replace(n, mode=PE, connection_name=chosen.name if chosen else "")
        else:
            extras, _ = network_step.parse_ip_rules(self.extra.value, EXTRA_FIELD)
            answers = dataclasses.replace(
                n, mode=FW, ip_rules=network_step.merge_rules(self.kore_ranges, extras),
                allow_trusted_services=self.trusted.value, allow_operator_ip=self.mine.value,
                operator_ip=self.operator_ip or n.operator_ip,
            )  # fmt: skip
        return dataclasses.replace(state, network=answers)

    async def collect(self) -> WizardState | None:
        state = self.app.state
        candidate = self._candidate(state)
        candidate = network_step.with_answers(state, candidate)
        found = self._problems(candidate)
        for message in self.query(FieldMessage):
            if message.id != "net-connections-msg" and message.has_class("-error"):
                message.show(None)
        for widget, text in found:
            if widget is self.table or (
                widget is self.mode_set and self.mode == PE and candidate.vault.vault_id
            ):
                # the line under the list already says what to do: flag it
                self.pe_message.show(self.pe_message.text or text, "error")
            elif widget.id is not None:
                self.query_one(f"#{widget.id}-msg", FieldMessage).show(text)
        if found:
            found[0][0].focus()
            found[0][0].scroll_visible(animate=False)
            self.refuse([(w.id or "", text) for w, text in found])
            return None
        return candidate

    def _problems(self, candidate: WizardState) -> list[tuple[Widget, str]]:
        """What stops a Review: (widget to focus, message naming the field and the rule)."""
        found: list[tuple[Widget, str]] = []
        n = candidate.network
        if not candidate.vault.vault_id:
            return [(self.mode_set, "Step 2 must record the vault first (Go to Step 2, above).")]
        if n.mode == PE:
            chosen = self.chosen
            # With nothing listed the table is hidden: focus the choice, so B is one key away.
            where: Widget = self.table if self.table.display and self.connections else self.mode_set
            if not self.connections_listed:
                found.append((where, "Private endpoint: the connections are not listed yet; press l to list "
                                          "them again."))  # fmt: skip
            elif chosen is None:
                found.append((where, "Private endpoint: no connection from Kore is waiting for approval yet; "
                                          "what to do is under the list."))  # fmt: skip
            elif chosen.status not in ("Pending", "Approved"):
                found.append((where, f"Private endpoint: {chosen.name} is {chosen.status} and cannot be "
                                          "approved; ask Kore.ai support for a new private endpoint."))  # fmt: skip
            return found
        if problem := _extra_rules_problem(self.extra.value):
            found.append((self.extra, problem))
        for field, p in placed(network_step.problems(candidate), FIREWALL_FIELDS)[0]:
            if field == "#net-extra" and not any(w is self.extra for w, _ in found):
                found.append((self.extra, f"Firewall: {p.rule}."))
            elif field == "#net-mine":
                found.append((self.mine, "Allow this machine's IP: the address is not known yet; press l to look "
                                         "it up again, or untick it (and read the warning)."))  # fmt: skip
        return found

    # --- result -------------------------------------------------------------------------------

    def summary(self, state: WizardState) -> str:
        n, v = state.network, state.vault
        if not state.step(self.STEP_ID).applied:
            return ""
        if n.mode == PE:
            return f"Approved Kore's private-endpoint connection {n.connection_name} on {v.name}."
        trusted = "trusted Microsoft services may bypass it" if n.allow_trusted_services else "no bypass"
        return (f"Firewall on {v.name}: deny by default; allows {', '.join(network_step.rules(state)) or 'nobody'}; "
                f"{trusted}.")  # fmt: skip


def _missing(state: WizardState) -> list[tuple[str, str]]:
    if state.vault.vault_id:
        return []
    return [("vault", "the vault is not recorded, so there is no network access to set.")]


def _kore_text(kore: tuple[str, ...]) -> str:
    if kore:
        return ", ".join(kore) + " (from the Kore profile)"
    return (
        "none: Kore publishes no list of its addresses, only Kore.ai support's profile names them; type the "
        "ranges support gave you under Also allow"
    )


def _mine_label(ip: str, *, looking: bool) -> str:
    if ip:
        return f"Allow this machine's IP ({ip})"
    return "Allow this machine's IP (looking it up…)" if looking else "Allow this machine's IP (unknown)"


def _status(status: str) -> str:
    mark = {
        "Pending": glyphs.PENDING,
        "Approved": glyphs.PASS,
        "Rejected": glyphs.FAIL,
        "Disconnected": glyphs.FAIL,
    }
    return f"{mark[status]} {status}" if status in mark else status


__all__ = ["NetworkScreen"]
