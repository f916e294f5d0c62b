"""Plain-English word lists and tokenising for the default engine.

Everything here is generic vocabulary (verbs of action, nouns of roles), never strings of a test set:
the engine must behave the same on servers and requests it has never seen.
"""

from __future__ import annotations

import gzip
import re
from functools import lru_cache

_WORD = re.compile(r"[a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def stem(word: str) -> str:
    """A crude stem, enough to match 'invites', 'inviting', 'invited' with 'invite'."""
    w = word.lower()
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    for suffix in ("ing", "ed", "es", "s"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            break
    return w[:-1] if w.endswith("e") and len(w) > 3 else w


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def name_tokens(name: str) -> list[str]:
    """Tokens of an identifier: snake_case, kebab-case, camelCase and dotted names."""
    return words(_CAMEL.sub(" ", name))


# Derivational suffixes that turn a verb into a noun of its action or its agent, longest first:
# "approval", "assignment", "invitation", "deletion", "acceptance", "reviewer", "approver".
_DERIVATIONS = ("ation", "ition", "ment", "ance", "ence", "ion", "al", "er", "or")


def roots(word: str) -> frozenset[str]:
    """The stems a word may share with another form of the same verb, by morphology alone: its stem,
    and the stem left when a derivational suffix is taken off, with or without a final "e" and with a
    doubled final consonant undoubled ("cancellation" -> cancel). Prefixes are kept: "remove" is not
    "move", nor "restore" "store". Three letters or more each."""
    w = word.lower()
    out = {stem(w)}
    for form in {w, stem(w)}:  # "reviewers": reviewer, review
        for suffix in _DERIVATIONS:
            if form.endswith(suffix) and len(form) - len(suffix) >= 4:
                base = form[: -len(suffix)]
                out.add(stem(base))
                out.add(stem(base + "e"))
                if len(base) > 4 and base[-1] == base[-2] and base[-1] not in "aeiou":
                    out.add(stem(base[:-1]))
                break
    return frozenset(r for r in out if len(r) >= 3)


# Words that open a clause before its verb: "please", "can you", "I need you to", "then", "also".
CLAUSE_LEADS = frozenset(
    "please kindly pls also then just now and or so but can could would will you we i need want like d ll "
    "let lets us go ahead first next finally".split()
)
# Words that negate the verb after them ("don't send": words() splits "don't" into "don", "t").
NEGATIONS = frozenset("not never t no".split())
# Words that end a clause and open the next one (a verb follows): "… and close it", "ask them to review".
CLAUSE_BREAKS = frozenset("and then or but to".split())
# Function words of a tool's description that say nothing of its action.
DESCRIPTION_STOP = frozenset(
    "the and for with from into onto its their this that these those all any one given new via per "
    "are was were has have been being which who whom what when where how not can may will also".split()
)


# Verbs that only look: a tool whose name starts with one of them is a read.
READ_VERBS = {
    stem(w)
    for w in (
        "get list read search find fetch query show describe view lookup look check count retrieve browse "
        "inspect stat summarize summarise download open load peek preview explain compare calculate compute "
        "convert translate validate verify whoami ping echo resolve is has can return"
    ).split()
}

# Verbs whose effect cannot be undone by the person: asked unless the request asks for exactly that.
DESTRUCTIVE_VERBS = {
    stem(w)
    for w in "delete remove cancel drop destroy erase purge revoke kill terminate truncate wipe unsubscribe".split()
}

# Families of verbs a person may use for the same action: a tool's own verbs map to the families they
# belong to, and the request "asks for the action" when it uses any verb of one of those families.
# A family holds the verbs of ONE kind of action, each verb in the family of its main sense: a verb in two
# kinds lets a request for one grant the other ("send the report" granted pay_invoice through "send money").
_FAMILIES = {
    "communicate": "send email mail message text write reply respond forward post tell notify inform share contact dm "
    "ping answer publish announce broadcast congratulate greet thank remind ask",
    "create": "create add make schedule book set organize organise plan arrange register insert append put "
    "new setup open start",
    "add": "add include insert append put join enroll enrol attach",
    "invite": "invite onboard welcome",
    "delete": "delete remove erase clear drop trash discard purge wipe destroy",
    "cancel": "cancel abort revoke",
    "pay": "pay transfer refund wire reimburse donate remit",
    "reserve": "reserve book",
    "update": "update change modify edit set adjust rename move reschedule correct fix replace amend",
    "share": "share grant give",
    # "remember"/"memorize" said to an assistant ask it to keep something: for an agent, a write to its memory.
    "store": "save store upload write put copy backup archive export sync remember memorize memorise",
}
FAMILIES: dict[str, frozenset[str]] = {k: frozenset(stem(w) for w in v.split()) for k, v in _FAMILIES.items()}
# Every verb of action: a sentence that opens with one tells its reader to do something.
ACTION_VERBS: frozenset[str] = frozenset().union(*FAMILIES.values()) | DESTRUCTIVE_VERBS
# The same verbs as written in the bare (imperative) form: "post", never "posted".
ACTION_BASE: frozenset[str] = frozenset(" ".join(_FAMILIES.values()).split()) | frozenset(
    "delete remove cancel drop destroy erase purge revoke kill terminate truncate wipe unsubscribe".split())
# What a shop's tools name the steps of a purchase by: a request to buy (WordNet's kind "buy") asks for them.
SHOP_STEPS = frozenset(stem(w) for w in "cart basket checkout".split())

# Nouns in a tool name that imply a family even when its verb is generic ("make_payment").
_NOUN_FAMILIES = {
    "pay": "money fund payment transaction transfer",
    "communicate": "email mail message dm chat",
    "reserve": "reservation booking",
}
NOUN_FAMILIES: dict[str, str] = {stem(w): fam for fam, ws in _NOUN_FAMILIES.items() for w in ws.split()}

# Nouns a person uses for the objects tools act on ("cancel my meeting" → cancel_calendar_event).
_OBJECT_SYNONYMS = [
    "event meeting appointment calendar invite invitation booking",
    "email mail message inbox",
    "file document doc attachment folder",
    "message msg post chat dm",
    "user member account person",
    "channel room group",
    "transaction payment transfer order",
    "note memo",
]
OBJECT_SYNONYMS: dict[str, frozenset[str]] = {}
for _group in _OBJECT_SYNONYMS:
    _stems = frozenset(stem(w) for w in _group.split())
    for _s in _stems:
        OBJECT_SYNONYMS[_s] = OBJECT_SYNONYMS.get(_s, frozenset()) | _stems

# What kind of destination an argument is, by its name (stems of its tokens).
_PARAM_KINDS = {
    "person": "recipient to cc bcc participant attendee invitee member assignee contact user username handle "
    "phone mobile guest reviewer follower",
    "email": "email mail",
    "channel": "channel group room chat conversation thread",
    "url": "url uri link endpoint webhook website site host domain webpage page",
    "account": "iban account bic swift wallet payee beneficiary",
    "path": "path file_path filepath dir directory folder destination",
    "credential": "password passphrase secret token apikey api_key access_key private_key ssh_key deploy_key "
    "signing_key pin credential",
    # Where a thing lives or whose it is: another owner's repository or bucket is another destination.
    "place": "owner org organization organisation repo repository bucket project workspace namespace tenant "
    "registry",
}
PARAM_KINDS: dict[str, str] = {stem(w): kind for kind, ws in _PARAM_KINDS.items() for w in ws.split()}

# Argument values that open something to everyone: asked unless the request says so.
PUBLIC_AUDIENCE = frozenset(
    "anyone anyonewithlink anyone_with_link everyone public world anonymous allusers all_users internet".split()
)

# Arguments that are sums of money or counts of goods: a number the request names must be the one used.
AMOUNT_PARAMS = frozenset(stem(w) for w in "amount sum total price cost fee quantity qty".split())

# Arguments that carry free text: they are not destinations, but links inside them are.
FREE_TEXT = {
    stem(w)
    for w in "body content text message subject description title comment note notes summary caption details "
    "reason feedback answer question prompt markdown html".split()
}

# How a text names the model it is written to (a vocative: "Claude, …", "Hey bot, …", "Note pour l'IA :").
# Generic vocabulary in the languages people commonly write, never phrases of a test set: the model's
# role, "AI" as each language says it, and the products by name. A person writing to a person names
# them, not "the assistant" or "the AI"; the few words that also name people or things ("agent",
# "model") count only in a vocative (a comma), never as a `Label:` (`Model: XPS 13`, `Agent: Jane`).
MODEL_ROLES = (
    "assistant assistants assistent assistenten assistentin assistente assistentes asistente asistentes "
    "bot bots chatbot chatbots copilot copilots ассистент ассистенты бот помощник 助手 助理 アシスタント 어시스턴트"
).split()
MODEL_ROLES_VOCATIVE = (
    "agent agents agente agentes agenten agentin model models modell modelle modèle modèles modelo modelos "
    "modello modelli агент модель"
).split()
MODEL_AI = "ai a.i. ki k.i. ia i.a. ии llm llms".split()
MODEL_NAMES = "claude chatgpt gpt gemini bard llama mistral grok deepseek qwen".split()
# Words that open an address ("Hey", "Dear", "Hallo", "Bonjour", …) and that stand before a noun.
GREETINGS = (
    "hey hi hello dear yo attention attn ok okay hallo liebe lieber liebes geehrte geehrter bonjour salut cher "
    "chère chers hola querido querida estimado estimada ciao caro cara olá oi prezado prezada"
).split()
DETERMINERS = (
    "the a an any all every each our my this dear der die das den dem ein eine einen jede jeder jeden le la les un "
    "une tout tous toute el los las una cualquier todo todos il lo gli ogni o os"
).split()
# "Note to the …", "Hinweis an den …", "Note pour l'…", "Nota para el …": a message headed for someone.
NOTE_NOUNS = (
    "note notes message instruction instructions reminder memo notice hinweis hinweise nachricht anweisung "
    "anweisungen notiz anmerkung consigne consignes remarque avis nota mensaje instrucción instrucciones aviso "
    "messaggio istruzioni mensagem instrução instruções"
).split()
EVERY = "any all every each jede jeder jeden alle tout tous toutes todo todos todas cualquier ogni tutti".split()
NOTE_TO = "to for an für à a pour para al per ao".split()
# Chat-role labels a text forges to pass as a turn of the conversation ("[User]: …", "<|system|>").
CHAT_ROLES = "user system assistant human developer".split()


# Letters of other scripts that read as a Latin letter (a small fold in the spirit of Unicode TR39's
# confusable skeletons, lower case only: text is compared lower-cased): Cyrillic, Greek, Armenian and
# Latin-extended look-alikes. Beside them, every letter whose compatibility decomposition (NFKD) with its
# marks dropped is the Latin letter (full-width, mathematical, accented, circled letters) reads as it.
_LOOKALIKES = {
    "a": "аαɑ", "c": "сϲ", "d": "ԁ", "e": "еҽ", "g": "ɡ", "h": "һհ", "i": "іιıɩ", "j": "јϳȷ",
    "k": "κ", "l": "ӏǀ", "n": "ո", "o": "оοօ", "p": "рρ", "q": "ԛ", "s": "ѕ", "u": "υս", "v": "ν",
    "w": "ԝ", "x": "хχ", "y": "уү",
}
LOOKALIKES_OF: dict[str, str] = _LOOKALIKES
# Where letters with a decomposition to a Latin letter live: Latin-1 and the Latin extensions, IPA,
# letterlike symbols, circled letters, full-width forms, mathematical alphanumerics.
_DECOMPOSING = ((0x00C0, 0x024F), (0x0250, 0x02AF), (0x1D00, 0x1DBF), (0x1E00, 0x1EFF), (0x2090, 0x209C),
                (0x2100, 0x214F), (0x2460, 0x24FF), (0xFF21, 0xFF5A), (0x1D400, 0x1D7FF))
_VARIANTS: dict[str, str] = {}


def letter_variants(c: str) -> str:
    """Every character that reads as the Latin letter `c` (lower case): itself, its look-alikes from other
    scripts, and the letters that decompose to it; found once per process (a few ms)."""
    if not _VARIANTS:
        import unicodedata

        found: dict[str, list[str]] = {}
        for lo, hi in _DECOMPOSING:
            for cp in range(lo, hi + 1):
                ch = chr(cp)
                base = "".join(x for x in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(x)).lower()
                if len(base) == 1 and base.isascii() and base.isalpha() and ch.lower() == ch:
                    found.setdefault(base, []).append(ch)
        for letter in "abcdefghijklmnopqrstuvwxyz":
            _VARIANTS[letter] = letter + _LOOKALIKES.get(letter, "") + "".join(found.get(letter, ()))
    return _VARIANTS.get(c, c)


# The kinds of action an English verb can name (create, send, modify, delete, pay, share, execute), generated
# from WordNet 3.0 by scripts/gen_verb_kinds.py (its anchors and the rule are there; licence in
# mcp_guard/data/WORDNET-LICENSE). Loaded on first use (~6,600 verbs, tens of ms).
_VERB_KINDS: dict[str, frozenset[str]] = {}
# Kinds that name every verb of change: too general to say which action a request asks for on its own.
GENERIC_KINDS = frozenset({"modify"})


def phrase_kinds(phrase: str) -> frozenset[str]:
    """The kinds of action a phrasal verb names as WordNet lists it ("get rid of", "throw away"); none if
    it is not one."""
    verb_kinds("")
    return _VERB_KINDS.get(phrase, frozenset())


_PLAIN_VERBS: set[str] = set()  # the verbs WordNet lists that name none of the kinds ("acknowledge")


def _load_verbs() -> None:
    import json
    from importlib import resources

    data = json.loads(resources.files("mcp_guard").joinpath("data/verb_kinds.json").read_text("utf-8"))
    kinds = {w: frozenset(k) for w, k in data["verbs"].items()}
    _PLAIN_VERBS.update(data.get("plain", ()))
    # Last, and in one step: `run` loads the table in a background thread while its servers start, and
    # another thread that finds it non-empty must find it whole.
    _VERB_KINDS.update(kinds)


def _verb_forms(word: str) -> tuple[str, ...]:
    """The lemmas `word` may be an inflection of ("books", "booked", "booking": book)."""
    w = word.lower()
    return (w, w[:-1] if w.endswith("s") else "", w[:-2] if w.endswith(("es", "ed")) else "",
            w[:-1] if w.endswith("ed") else "", w[:-3] if w.endswith("ing") else "",
            w[:-3] + "e" if w.endswith("ing") else "", w[:-3] + "y" if w.endswith("ies") else "")


def base_verb(word: str) -> str:
    """The lemma of an inflection that `_verb_forms` cannot undo: an irregular one ("paid", "sent", "sold": WordNet's
    exception list, `data/verb_exc.txt.gz` made by scripts/gen_verb_exc.py), a doubled final consonant ("shipped",
    "cancelled") or "-ied" ("denied"); else the word."""
    w = word.lower()
    if (lemma := _irregular().get(w)) is not None:
        return lemma
    if w.endswith("ied") and len(w) > 4:
        return w[:-3] + "y"
    for suffix in ("ed", "ing"):
        base = w.removesuffix(suffix)
        if base != w and len(base) > 3 and base[-1] == base[-2] and base[-1] not in "aeiouls":
            return base[:-1]  # "shipped": ship; not "called", "passed"
        if base != w and len(base) > 4 and base.endswith("ll"):
            return base[:-1]  # "cancelled", "labelled"
    return w


@lru_cache(maxsize=1)
def _irregular() -> dict[str, str]:
    from importlib import resources

    raw = resources.files("mcp_guard").joinpath("data/verb_exc.txt.gz").read_bytes()
    return dict(ln.split(" ", 1) for ln in gzip.decompress(raw).decode("ascii").splitlines())


def verb_kinds(word: str) -> frozenset[str]:
    """The kinds of action `word` names as a verb, in any inflection ("books", "booked", "booking")."""
    if not _VERB_KINDS:
        _load_verbs()
    for form in _verb_forms(word):
        if form and form in _VERB_KINDS:
            return _VERB_KINDS[form]
    return frozenset()


def is_verb(word: str, base: bool = False) -> bool:
    """Does WordNet list `word` (in any inflection; with `base`, as written) as a verb, of any kind or none?"""
    if not _VERB_KINDS:
        _load_verbs()
    forms = (word.lower(),) if base else _verb_forms(word)
    return any(f and (f in _VERB_KINDS or f in _PLAIN_VERBS) for f in forms)
