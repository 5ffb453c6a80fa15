"""The three sections of Step 2's form: resource group, key vault, key.

Each section owns its fields, its mode ("new" or "existing", a class on the section that shows only
that mode's fields) and its read-only look-ups, run in exclusive workers so a newer look-up always
replaces a stale one. A section posts `Changed` when what the next section depends on changes; the
form passes it on (group -> vault -> key).
"""

from __future__ import annotations

import asyncio

from textual import getters, on, work
from textual.app import ComposeResult
from textual.widgets import Checkbox, Input, Label, Select, Static

from byok_tui import glyphs, validate
from byok_tui.engine import vault as vault_step
from byok_tui.errors import ByokError
from byok_tui.models import KeyInfo, NameCheck, ResourceGroupInfo, VaultInfo
from byok_tui.state import VaultState

from .widgets.field import FieldMessage, Row
from .widgets.marks import Tick
from .widgets.notes import ErrorNote
from .widgets.section import Section

DEFAULT_KEY_NAME = "kore-byok-cmk"
NAME_CHECK_DELAY = 0.4
"""Seconds of quiet typing before the vault name's availability is asked (debounce)."""
AVAILABLE = "available"
TAKEN = "taken (soft-deleted vaults keep their name)"


def _options(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(v, v) for v in values]


def _region(location: str) -> str:
    return location if location in vault_step.LOCATIONS else Select.NULL  # type: ignore[return-value]


class GroupSection(Section):
    """Resource group: choose one of the subscription's groups, or name a new one and its region."""

    PREFIX = "rg"
    MODES = (("existing", "Use existing"), ("new", "Create new"))

    select = getters.query_one("#rg-select", Select)
    name_input = getters.query_one("#rg-name", Input)
    location_select = getters.query_one("#rg-location", Select)
    note = getters.query_one("#rg-note", ErrorNote)

    def __init__(self, answers: VaultState, **kwargs) -> None:
        super().__init__(answers, **kwargs)
        self.groups: dict[str, ResourceGroupInfo] = {}

    def compose(self) -> ComposeResult:
        a = self.answers
        yield Static("Resource group", classes="section")
        yield Row("How", self.mode_radio(a.create_resource_group))
        yield Row("Group", Select([], prompt="Loading resource groups…", id="rg-select", compact=True),
                  classes="when-existing")  # fmt: skip
        yield FieldMessage(id="rg-select-msg", classes="when-existing")
        yield ErrorNote(id="rg-note", classes="when-existing")
        yield Row("Name", self.text_input("Resource group name", "rg-name", a.resource_group if a.create_resource_group
                                          else "", "e.g. rg-kore-byok", validate.resource_group_name),
                  classes="when-new")  # fmt: skip
        yield FieldMessage(id="rg-name-msg", classes="when-new")
        yield Row("Location", Select(_options(vault_step.LOCATIONS), prompt="Choose a region", compact=True,
                                     value=_region(a.location) if a.create_resource_group else Select.NULL,
                                     id="rg-location"), classes="when-new")  # fmt: skip
        yield FieldMessage(id="rg-location-msg", classes="when-new")

    def on_mount(self) -> None:  # Section.on_mount runs too (Textual calls handlers up the MRO)
        self.load_groups()

    @property
    def chosen(self) -> ResourceGroupInfo | None:
        return None if self.creating else self.groups.get(self.select.selection or "")

    @property
    def answer(self) -> str:
        """The name the operator gave or chose ("" when none)."""
        return self.name_input.value.strip() if self.creating else (self.select.selection or "")

    @property
    def location(self) -> str:
        """The region a new vault defaults to: the chosen group's, or the new group's."""
        if self.creating:
            return self.location_select.selection or ""
        chosen = self.chosen
        return chosen.location if chosen else ""

    @work(exclusive=True, group="rg-list", exit_on_error=False)
    async def load_groups(self) -> None:
        if not self.subscription():
            self.select.prompt = "Not signed in"
            self.note.show_error(ByokError("No subscription is chosen, so resource groups cannot be listed",
                                           remedy="Start the wizard signed in (byok-tui demo for the sandbox)."))  # fmt: skip
            return
        self.select.loading = True
        try:
            groups = await vault_step.list_resource_groups(self.app.conn, self.subscription())
        except ByokError as exc:
            self.note.show_error(exc)
            self.select.prompt = "Could not list resource groups"
            return
        finally:
            self.select.loading = False
        self.note.show_error(None)
        self.groups = {g.name: g for g in groups}
        self.select.prompt = "Choose a resource group" if groups else "No resource groups: choose Create new"
        self.select.set_options((f"{g.name}  ({g.location})", g.name) for g in groups)
        wanted = "" if self.answers.create_resource_group else self.answers.resource_group
        if wanted in self.groups:
            self.select.value = wanted

    @on(Select.Changed, "#rg-select, #rg-location")
    def _group_changed(self) -> None:
        self.post_message(self.Changed(self))


class VaultSection(Section):
    """Key vault: a new one (name checked live for availability) or an existing one in the group."""

    PREFIX = "vault"

    name_input = getters.query_one("#vault-name", Input)
    availability = getters.query_one("#vault-availability", Label)
    select = getters.query_one("#vault-select", Select)
    facts = getters.query_one("#vault-facts", Static)
    purge = getters.query_one("#vault-purge", Checkbox)
    region_select = getters.query_one("#vault-region", Select)
    sku = getters.query_one("#vault-sku", Select)

    def __init__(self, answers: VaultState, *, recorded_vault: str = "", **kwargs) -> None:
        super().__init__(answers, **kwargs)
        self.recorded_vault = recorded_vault.lower()
        """A vault this session already created: its name is "taken" by us, which is fine."""
        self.vaults: dict[str, VaultInfo] = {}
        self.names: dict[str, NameCheck] = {}
        """Availability answers by lower-cased vault name."""
        self._group: str | None = None
        self._group_creating = answers.create_resource_group

    def compose(self) -> ComposeResult:
        a = self.answers
        yield Static("Key vault", classes="section")
        yield Row("How", self.mode_radio(a.create_vault))
        yield Row("Name", self.text_input("Key vault name", "vault-name", a.name if a.create_vault else "",
                                          "e.g. kv-contoso-byok", validate.vault_name),
                  Label("", id="vault-availability"), classes="when-new")  # fmt: skip
        yield FieldMessage(id="vault-name-msg", classes="when-new")
        yield ErrorNote(id="vault-name-note", classes="when-new")
        yield Row("Vault", Select([], prompt="Choose a resource group first", id="vault-select", compact=True),
                  classes="when-existing")  # fmt: skip
        yield FieldMessage(id="vault-select-msg", classes="when-existing")
        yield ErrorNote(id="vault-note", classes="when-existing")
        yield Static("", id="vault-facts", classes="when-existing")
        yield Tick("Enable purge protection (irreversible)", a.enable_purge_protection, id="vault-purge",
                       compact=True, classes="when-existing")  # fmt: skip
        yield FieldMessage(id="vault-purge-msg", classes="when-existing")
        # A new vault's region and tier only: an existing vault's are facts (#vault-facts), not choices.
        yield Row("Region", Select(_options(vault_step.LOCATIONS), prompt="Choose a region", compact=True,
                                   value=_region(a.location), id="vault-region"), classes="when-new")  # fmt: skip
        yield FieldMessage(id="vault-region-msg", classes="when-new")
        yield Row("Tier", Select(_options(vault_step.SKUS), allow_blank=False, id="vault-sku", compact=True,
                                 value=a.sku if a.sku in vault_step.SKUS else "standard"),
                  classes="when-new")  # fmt: skip
        yield FieldMessage(id="vault-sku-msg", classes="when-new")

    def on_mount(self) -> None:
        if self.name_input.value:
            self._check_name(self.name_input.value, delay=0)

    @property
    def chosen(self) -> VaultInfo | None:
        return None if self.creating else self.vaults.get(self.select.selection or "")

    @property
    def premium(self) -> bool:
        return self.sku.value == "premium"

    def sync_mode(self) -> None:
        super().sync_mode()
        chosen = self.chosen
        self.sku.disabled = chosen is not None
        self.region_select.disabled = chosen is not None or self._group_creating
        self.purge.display = chosen is not None and not chosen.purge_protection
        region_note = self.query_one("#vault-region-msg", FieldMessage)
        if self._group_creating and chosen is None:  # say why the field does not move
            region_note.show("Fixed: a vault in a new resource group goes in the group's region (set above).",
                             "info")  # fmt: skip
        elif region_note.has_class("-info"):
            region_note.show(None)

    def follow_group(self, group: GroupSection) -> None:
        """The group changed: a new group holds only a new vault, in the group's region."""
        self._group_creating = group.creating
        self.allow_existing(not group.creating)
        self.sync_mode()
        if group.location in vault_step.LOCATIONS and self.chosen is None:
            self.region_select.value = group.location
        name = None if group.creating else group.select.selection
        if name != self._group:
            self._group = name
            self.load_vaults()

    # --- a new vault: name and availability ---------------------------------------------

    @on(Input.Changed, "#vault-name")
    def _name_changed(self, event: Input.Changed) -> None:
        if str(self.availability.content):  # cleared once, not at every key (each update is a layout)
            self.availability.update("")
        self.query_one("#vault-name-note", ErrorNote).show_error(None)
        if event.validation_result is None or event.validation_result.is_valid:
            self._check_name(event.value, delay=NAME_CHECK_DELAY)
        else:
            self.workers.cancel_group(self, "name-check")

    @work(exclusive=True, group="name-check", exit_on_error=False)
    async def _check_name(self, name: str, delay: float) -> None:
        """Ask Azure whether the name is free once typing pauses (a new keystroke cancels this)."""
        if delay:
            await asyncio.sleep(delay)
        await self.name_check(name)

    def _show_availability(self, text: str, kind: str) -> None:
        self.availability.update(text)
        self.availability.set_classes(f"-{kind}")

    async def name_check(self, name: str) -> NameCheck | None:
        """The availability of `name` (cached), shown beside the field; None when it could not be asked."""
        if name.lower() == self.recorded_vault:
            self._show_availability(f"{glyphs.PASS} created by this session", "ok")
            return NameCheck(available=True)
        cached = self.names.get(name.lower())
        if cached is None:
            self._show_availability("checking…", "info")
            try:
                cached = await vault_step.check_vault_name(self.app.conn, self.subscription(), name)
            except ByokError as exc:
                self._show_availability(f"{glyphs.WARN} could not check", "warn")
                self.query_one("#vault-name-note", ErrorNote).show_error(exc)
                return None
            self.names[name.lower()] = cached
        if name != self.name_input.value:
            return cached  # the operator typed on; the next check draws its own answer
        if cached.available:
            self._show_availability(f"{glyphs.PASS} {AVAILABLE}", "ok")
        elif cached.reason == "AlreadyExists":
            self._show_availability(f"{glyphs.FAIL} {TAKEN}", "error")
        else:  # Azure's own words are long: they go under the field
            self._show_availability(f"{glyphs.FAIL} not available", "error")
            self.message_for(self.name_input).show(f"Key vault name: {cached.message or cached.reason}")
        return cached

    # --- an existing vault ------------------------------------------------------------------

    @work(exclusive=True, group="vault-list", exit_on_error=False)
    async def load_vaults(self) -> None:
        note = self.query_one("#vault-note", ErrorNote)
        group = self._group
        if group is None:
            self.vaults = {}
            self.select.prompt = "Choose a resource group first"
            self.select.set_options([])
            return
        self.select.loading = True
        try:
            vaults = await vault_step.list_vaults(self.app.conn, self.subscription(), group)
        except ByokError as exc:
            note.show_error(exc)
            return
        finally:
            self.select.loading = False
        note.show_error(None)
        self.vaults = {v.name: v for v in vaults}
        self.select.prompt = (
            "Choose a key vault" if vaults else f"No key vaults in {group}: choose Create new"
        )
        self.select.set_options((v.name, v.name) for v in vaults)
        if not self.answers.create_vault and self.answers.name in self.vaults:
            self.select.value = self.answers.name

    @on(Select.Changed, "#vault-select")
    def _vault_chosen(self) -> None:
        vault = self.chosen
        self.sync_mode()
        self.facts.update(_facts(vault) if vault else "")
        self.facts.display = vault is not None
        if vault is not None:
            if vault.location in vault_step.LOCATIONS:
                self.region_select.value = vault.location
            self.sku.value = vault.sku if vault.sku in vault_step.SKUS else "standard"
        self.post_message(self.Changed(self))

    @on(Select.Changed, "#vault-sku")
    def _tier_chosen(self) -> None:
        self.post_message(self.Changed(self))


class KeySection(Section):
    """Key: generate an RSA key (size, HSM on Premium), or use one already in an existing vault."""

    PREFIX = "key"
    MODES = (("new", "Generate new"), ("existing", "Use existing"))

    name_input = getters.query_one("#key-name", Input)
    size_select = getters.query_one("#key-size", Select)
    hsm = getters.query_one("#key-hsm", Checkbox)
    select = getters.query_one("#key-select", Select)

    def __init__(self, answers: VaultState, **kwargs) -> None:
        super().__init__(answers, **kwargs)
        self.keys: dict[str, KeyInfo] = {}
        self._vault: VaultInfo | None = None

    def compose(self) -> ComposeResult:
        a = self.answers
        yield Static("Key", classes="section")
        yield Row("How", self.mode_radio(a.create_key))
        yield Row("Name", self.text_input("Key name", "key-name", (a.key_name or DEFAULT_KEY_NAME) if a.create_key
                                          else "", "e.g. kore-byok-cmk", validate.key_name), classes="when-new")  # fmt: skip
        yield FieldMessage(id="key-name-msg", classes="when-new")
        size = a.key_size if a.key_size in vault_step.KEY_SIZES else 3072
        yield Row("Size", Select([(f"RSA {s}", s) for s in vault_step.KEY_SIZES], value=size, allow_blank=False,
                                 id="key-size", compact=True), classes="when-new")  # fmt: skip
        yield FieldMessage(id="key-size-msg", classes="when-new")
        yield Tick("HSM-backed (Premium only)", a.key_hsm, id="key-hsm", compact=True, classes="when-new")
        yield FieldMessage(id="key-hsm-msg", classes="when-new")
        yield Row("Key", Select([], prompt="Choose an existing vault first", id="key-select", compact=True),
                  classes="when-existing")  # fmt: skip
        yield FieldMessage(id="key-select-msg", classes="when-existing")
        yield ErrorNote(id="key-note", classes="when-existing")

    @property
    def answer(self) -> str:
        """The name the operator gave or chose ("" when none)."""
        return self.name_input.value.strip() if self.creating else (self.select.selection or "")

    def follow_vault(self, vault: VaultSection) -> None:
        """Only an existing vault holds existing keys; only a Premium vault holds HSM-backed ones."""
        self.allow_existing(not vault.creating)
        self.hsm.disabled = not vault.premium
        if not vault.premium and self.hsm.value:
            self.hsm.value = False
        if vault.chosen != self._vault:
            self._vault = vault.chosen
            self.load_keys()

    @work(exclusive=True, group="key-list", exit_on_error=False)
    async def load_keys(self) -> None:
        note = self.query_one("#key-note", ErrorNote)
        vault = self._vault
        if vault is None:
            self.keys = {}
            self.select.prompt = "Choose an existing vault first"
            self.select.set_options([])
            return
        self.select.loading = True
        try:
            keys = await vault_step.list_keys(self.app.conn, vault.uri)
        except ByokError as exc:
            note.show_error(exc)
            return
        finally:
            self.select.loading = False
        note.show_error(None)
        self.keys = {k.name: k for k in keys}
        self.select.prompt = "Choose a key" if keys else f"No keys in {vault.name}: choose Generate new"
        self.select.set_options((_key_label(k), k.name) for k in keys)
        if not self.answers.create_key and self.answers.key_name in self.keys:
            self.select.value = self.answers.key_name


def _facts(vault: VaultInfo) -> str:
    purge = "on" if vault.purge_protection else "OFF (Kore requires it)"
    model = "Azure RBAC" if vault.rbac_authorization else "access policies"
    soft = "on" if vault.soft_delete else "OFF"
    return (
        f"{vault.location} {glyphs.SEP} {vault.sku.title()} {glyphs.SEP} soft delete {soft}\n"
        f"purge protection {purge} {glyphs.SEP} permissions by {model}"
    )


def _key_label(key: KeyInfo) -> str:
    size = f" {key.size}" if key.size else ""
    state = "" if key.enabled else ", disabled"
    return f"{key.name}  ({key.kty}{size}{state})"
