"""The default engine: judges a call by where its consequential values came from.

A value of a call is consequential when it says where a side effect goes or what it acts on: every
address-like value (e-mail, web address, host, IBAN, phone number, path) in any string or number
argument (a JSON document passed as a string is walked too), and the whole value of an argument
whose name says it is a destination (`recipient`, `channel`, `account`, …); a dotted name there that
names a person (`user: lena.kowalski`) is that person's handle, a name, not a host. Each such value has a
provenance: the declared request or a trusted list (a grant), a tool result (which one; as a field of
its data, inside running text, or inside text that reads as instructions to the model), or nowhere.
Values the agent itself sent in earlier calls are never a source. The word by which the person names
themselves ("me"), when the request uses it, is named: it reaches no one else.

A result is *tainted* when any of its text reads as instructions to the model (see `record`): then
nothing it carries is data, wherever it stands in it (its own line, a JSON field, a CSV row).

The rules, one sentence each (the rule's name is in every reason):
- `read`: a call that only reads is allowed; a web address it reaches is judged by `fetch`. Only a
  tool that reaches the web reaches one: by its name (`fetch_url`), its server's openWorldHint, or a
  parameter whose name or schema format says it is a web address; a host in the query of a service's
  own search (`from:acme.example`) goes nowhere (found inside instructions to the model: `injected`).
  Where a read sends its output (`_delivers_to`: `email_to`, `cc`, `notify`) is judged as a side effect's
  destination, and a parameter whose whole value is a web address with a scheme (`callback`) is reached.
- `fetch`: a read may reach a web address the request names (or a page on a site it names), or one
  a clean result carries (copied from data, it carries nothing of the user's); one found nowhere
  (composed by the agent, so it may carry data out), only in a tainted result, once the session has
  read injected text, or the ninth distinct one taken from one result (a choice among many can spell
  data out) is asked.
- `destructive`: a destructive call is asked unless the request asks for this action and every
  value it acts on is named in the request or comes from a clean result the request specifically
  pointed at. What it acts on that a result with instructions to the model carried is judged first,
  and the reason says which result of which tool: found only inside the instructions, `injected`;
  inside and elsewhere, `contested`; elsewhere in such a result only, asked.
- `injected`: a value found only inside text of a result that reads as instructions to the model
  (the paragraphs of one field that hold it, see `record`; now, or in a result since forgotten) is
  denied, unless the request names it whole.
- `contested`: a value found inside such instructions and also outside them (as data, or elsewhere
  in a result) is asked, and the question says both where.
- `tainted`: a value carried only by tainted results, outside the instructions, is asked.
- `ungrounded`: a destination found neither in the request, a trusted list or source, nor any tool
  result is asked (an absence is no evidence of an attack: an honest agent may spell or build a value
  its own way, or act on a result this process never saw). A value that chooses how rather than where
  (`_chooses_how`: a flag, listed choice, date or time by its schema; a count, flag or date by
  its shape; a source, `from_account`, or a part of the account the call reaches, `namespace`) is no
  destination: it is judged only by where it was found (`injected`, `tainted`, `from-text`).
- `from-text`: a destination found only inside the running text of a result (a message body, a
  document) is asked, and the question says where it was found.
- `from-data`: a destination a clean result carries as data, i.e. as a field (a sender, a
  participant) or in a result the request specifically pointed at (the call that produced it asked
  for something the request names as a value: "the file 'minutes.docx'", "invoice INV-7", "Omar"),
  is allowed when the request asks for this kind of action and names no destination of this kind
  itself, and the session has read no injected text (before or after that result: an injection can
  point at data without naming it, "the sender of message m3"); otherwise it is asked. (An id that a
  result the request asked for by name carries as a field is that record, not another party beside
  the one the request names: "Sara Lee's" contact `c9` when the request gives her new phone number.)
- `ambiguous`: a destination that `from-data` would allow, where the session's clean data offers
  another value of its kind in the same place (a field of the same name in a result of the same tool,
  or anywhere in the results of calls for what the request names when that is how it is data) but in
  another record (another JSON object, YAML list item or paragraph; of that result or another one), is
  asked, and the question lists each candidate and where it came from: the request points ("the
  sender", "the webhook the team agreed on") without naming one, and which one it means cannot be told
  from the data. Values of one record are one list the request may mean whole (an event's
  participants), unless a value also stands in a record of its own (a row that lists the real contacts
  beside its own address hides none of them); the same value found twice is one candidate; a value the
  call also uses or the request names is none (what the agent sent in earlier calls never removes one);
  only clean results offer rivals; a pointer that names a person ("Reply to Ana") means the mailboxes
  spelt with that name (`ana.l@…`), or a record whose name field is the person the request names by a full
  name or a title and surname ("Sarah Lin", "Ms Patel"; `persons`), so only those (a mailbox spelt with a
  word of the name, a record whose name shares one) are rivals.
- `prescribed`: a side-effecting call with a value that stands in a record of a result (of a JSON
  result: anywhere in it, unless a list holds the two in different items, the rows of a listing;
  of a text: its paragraph) which also writes the called tool's own identifier in any spelling
  (`"action": "add_ssh_key"`, `addSshKey`, `add-ssh-key`, `desk__add_ssh_key`; look-alike letters of
  other scripts folded, `аdd_ssh_key` with a Cyrillic "а") is asked: data that spells out which tool
  to call with which values is an instruction to the agent, whoever wrote it, unless the request's
  own words spell out the call (every word of the tool's name).
- `audience`: an argument that opens something to everyone in any common spelling (`openings`: "anyone",
  `public-read`, `is_public: true`, `private: false`, mode `0777`) is asked unless the request says so.
- `amount`: a sum that is neither a number the request names (in digits or in words: "two calls", never "one") nor one a
  clean result carries, when the request names numbers, is asked; a count of one (`qty: 1`) is the thing
  the call is about, not a sum.
- `unasked`: a side-effecting call whose kind of action the declared request does not ask for is
  asked, even with no address in it. A verb grants an action only where the request asks for it, as
  the first word of an imperative clause, not negated, questioned, subordinate or a noun
  (`_requested_clauses`), and only for the tool its name names (its verb, a verb of the name's action
  family, or a root shared with a word of the name): never through the tool's description, the
  upstream's text (`DeclaredIntent.asks_for`). A family verb grants another verb's tool only when its
  clause acts on what the tool acts on: its object names it, or the tool takes the destination as an
  argument the rules above judge (`_family_fits`). Whatever grants it, the clause must act on what the tool
  acts on, the tool's own verb included (`_acts_on_clause`): the head of its object is what a tool that carries
  no text acts on ("close the account settings tab" is not close_account), a person it reaches is a
  destination the tool takes, a light verb asks only for what its object names ("make the README clearer" is
  not make_repository_public); and not as the person's own plan ("I'll pay Bob later"). A verb clipped
  ("ack") or a phrasal verb a name writes as one word ("roll it back": rollback) is the tool's own verb;
  a step that makes or changes the very thing a requested action of the same server then puts to use is
  part of the request (`DefaultEngine._prepares`). A verb from which WordNet derives a noun of the name asks for a
  tool that only makes or changes that thing (`derived`: "categorize" and `update_transaction_category`), and a
  kind of action a rarer sense of the verb names asks for a write of that kind on a noun of the name the clause
  names ("drop the price": `update_price`); a misspelt verb, no word of English and one edit from exactly one
  verb, counts as that verb too (`spelling`). A verb that gives, with a level of access in its clause ("give
  jlee-dev read access"), asks for a tool that grants a level (`grants.asks_access`).
- `verb-value`: a harmless call (`steps.harmless`) whose argument is, whole, the request's verb in any inflection
  ("decline" and `response="decline"`) does the action the request asks for: allowed.
- `step`: a harmless write the request does not ask for in words, in a session that has read no instructions,
  that chooses no action of its own and acts on a record the request names or a clean result carries as a
  field, with no value found only in a result's running text, is a step of an action the request asks for
  (one beyond looking or removing): allowed (`steps`).
- `change`: a clause whose verb only makes or changes (WordNet's create or modify, any sense or phrasal), or only
  sends (for a tool that makes: "send the keys", `generate_keys`), asks for a harmless write that makes, adds or
  changes what its object names, with no value from a result's running text or
  from instructions, in a session that has read none: allowed (`changes`).
- `correct`: a request that writes a replacement ("'Fermentaion' -> 'Fermentation'") asks for a harmless write
  one of whose arguments is a clean result's field with that very replacement made, in a session that has read no
  instructions: allowed (`corrections`).
- (data) a value that a sentence of a result sets as where something goes, with no addressee ("Payments
  now go to IBAN …"), is running text of that result, not data, unless the request asks for a
  destination of that kind from the data by a noun (`record._sets_destination`).
- (names) a word of the request that is no common word, or follows a title, is a name in any case ("book it
  under jansen"; unless only instructions to the model or a tainted result also carried it), and a clean
  record whose short field holds one is a record the request names: a destructive call's target there is
  named (so is one in a record named by a label, `named_records`' rule: "delete the old_builds folder"), and
  a destination there has as rivals only the values of records under the same name, none when the clause
  acts on a plural of one of the record's fields ("the clients") (`naming`).
  So is a clean record holding the id an earlier side effect that went ahead (allowed or approved) acted on,
  read before it: its values are pointed at for the follow-up ("… and text the clients"). A person's full name
  the request names by a part is grounded by a clean record that gives it, in any order ("ITO/HANA").
- (values that are not destinations) an id of what a call acts on that a clean result writes only
  inside its running text, in no result the request pointed at, is asked (`from-text`).
Nothing lets a destination through because of a verb alone: a verb is needed, never sufficient.
"""

from __future__ import annotations

import bisect
import itertools
import json
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from mcp_guard.intent.built import built_from
from mcp_guard.intent.changes import asked_change
from mcp_guard.intent.compounds import compound_verb
from mcp_guard.intent.corrections import asked_correction, replacements
from mcp_guard.intent.derived import derives, kin, rare_sense_fits
from mcp_guard.intent.grants import RULES, asks_access, beyond, grants, named_group, names_level, raised_flags
from mcp_guard.intent.naming import (
    TITLES,
    acted_record,
    gives_full_name,
    holds,
    is_name,
    named_holders,
    named_offers,
    named_others,
    plural_field,
    records,
    uncased_names,
)
from mcp_guard.intent.openings import EVERYONE, openings
from mcp_guard.intent.other_id import other_id
from mcp_guard.intent.own import addresses_self
from mcp_guard.intent.paths import inside_folder, joins_named_file
from mcp_guard.intent.persons import NamedPersons, display_names, record_names
from mcp_guard.intent.pointing import leaves_choice, means_each
from mcp_guard.intent.record import Provenance, ResultEntry, SessionRecord
from mcp_guard.intent.spelling import meant_verb
from mcp_guard.intent.standing import standing_rule
from mcp_guard.intent.steps import harms_by_name, own_flag, step_of, verb_as_value
from mcp_guard.intent.sums import alone_sums, call_currencies, currencies, glued_sums, money_word, sums, written_alone
from mcp_guard.intent.superlative import picked
from mcp_guard.intent.tally import changes, moved_by
from mcp_guard.intent.tools import ToolInfo, classify
from mcp_guard.intent.values import (
    NamedValues,
    address_attempt,
    argument_leaves,
    email_domain,
    find_values,
    normalise,
    search_forms,
    url_host,
    whole_value,
    within,
)
from mcp_guard.intent.words import (
    AMOUNT_PARAMS,
    CLAUSE_LEADS,
    DESCRIPTION_STOP,
    DESTRUCTIVE_VERBS,
    FAMILIES,
    FREE_TEXT,
    GENERIC_KINDS,
    LOOKALIKES_OF,
    NEGATIONS,
    OBJECT_SYNONYMS,
    PARAM_KINDS,
    READ_VERBS,
    SHOP_STEPS,
    is_verb,
    letter_variants,
    name_tokens,
    phrase_kinds,
    roots,
    stem,
    verb_kinds,
    words,
)


@dataclass(frozen=True, slots=True)
class Verdict:
    """Plain data on the hot path; the guard turns it into a `Decision`."""

    action: str  # allow | deny | ask
    rule: str
    reason: str
    question: str = ""


# Kinds of destination that name the same sort of thing: a request that names one e-mail address has
# said who receives; another party found in data is then not implied by it.
GROUP = {
    "email": "party", "person": "party", "phone": "party",
    "channel": "channel",
    "url": "web", "host": "web",
    "iban": "account", "account": "account",
    "path": "path",
    "credential": "credential",
    "place": "place",
}
_ADDRESS_KINDS = frozenset({"email", "url", "host", "iban", "phone", "path"})
_SELF = frozenset({"me", "us", "myself", "ourselves"})
_ME = frozenset({"me", "myself"})
_DETERMINERS = frozenset("a an the my our your his her their its this that these those".split())
_WORDISH = re.compile(r"^[\w .'-]+$")
_CHUNK = re.compile(r"[^\s<>\"'`,;()\[\]{}]+")
_TRAIL = ".,;:!?"
_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(k|m)?(?![\w])", re.I)
_QUOTED = re.compile(r"[\"'‘’“”`]([^\"'‘’“”`\n]{2,80})[\"'‘’“”`]")
_TO_PERSON = frozenset({"send", "share", "create"})  # what a copy to the person is (`own`)
MAX_FANOUT = 8  # distinct web addresses from one result a session may reach before it is asked


def trusted_key(value: str) -> str:
    """A trusted-list entry in the form values are compared in."""
    v = value.strip()
    if v.startswith(("/", "~")):
        return v.lower()  # a path (a trailing '/' makes it a folder prefix)
    for f in find_values(v):
        if f.start == 0 and f.end >= len(v.rstrip(_TRAIL + "/")):
            return f.value
    return v.lower()


class DeclaredIntent:
    """The request as the session declared it, pre-digested once for fast checks."""

    def __init__(self, text: str, trusted: Iterable[str] = ()) -> None:
        self.text = text or ""
        self.declared = bool(self.text.strip())
        self.lower = self.text.lower()
        ws = words(self.text)
        self.word_line = " " + " ".join(ws) + " "
        # "tell me", "send us", "show me": the person asks for an answer, not for an action on others.
        self.stems = frozenset(stem(w) for w, nxt in zip(ws, [*ws[1:], ""], strict=False) if nxt not in _SELF)
        # A word after an article or a possessive ("the new engineer", "my reply") is a noun or an adjective,
        # never the verb that asks for an action.
        # A negated verb ("draft, don't send") asks for nothing.
        # The verbs the request asks with (`_requested_clauses`): only these grant an action.
        self.spans = _clause_spans(self.text)
        # The clauses again with a misspelt verb read as the verb it means ("reshedule"; `spelling`).
        self.spelt = [(meant, obj, raw) for verb, obj, raw in self.spans if (meant := meant_verb(verb))]
        # A hyphenated verb read as its head ("e-sign": sign) also counts written closed up, as a tool's name may
        # write it (`esign_envelope`, `crosspost`; `compounds`).
        self.spelt += [(closed, obj, raw) for verb, obj, raw in self.spans
                       if "-" in (first := raw.split(maxsplit=1)[0]) and (closed := first.replace("-", "")) != verb
                       and closed.isalpha()]
        self.clauses = [(verb, obj) for verb, obj, _ in self.spans]
        self._fit_cache: dict[tuple[str, tuple[str, ...]], bool] = {}
        asked = [v for v, _ in self.clauses]
        self.verbs = frozenset(stem(w) for w in asked)
        self.clause_verbs = frozenset().union(*(roots(w) for w in asked if len(w) >= 3 and w not in DESCRIPTION_STOP))
        found = list(find_values(self.text))
        self.values = frozenset(f.value for f in found)
        self.hosts = frozenset(url_host(f.value) for f in found if f.kind in ("url", "host", "email"))
        self.hosts |= frozenset(email_domain(f.value) for f in found if f.kind == "email")
        # The domains above a host the request names (status.acme.example: acme.example): whoever holds the
        # named host holds them or answers to them, so a bare host among them (a DNS zone) is named too.
        self.parents = frozenset(p for h in self.hosts if not h.replace(".", "").isdigit() for p in _parents(h))
        self.folders = tuple(f.value.rstrip("/") + "/" for f in found if f.kind == "path")
        self.kinds = frozenset(GROUP[f.kind] for f in found if f.kind != "path")
        self.chunks = frozenset(c.lower().rstrip(_TRAIL) for c in _CHUNK.findall(self.text))
        self.trusted = frozenset(trusted_key(t) for t in trusted if t.strip())
        self.numbers = frozenset(_numbers(self.text))
        self.currencies = currencies(self.text)  # the currencies it writes beside a number ("50 EUR")
        self.quoted = frozenset(q.strip().lower() for q in _QUOTED.findall(self.text))
        # Words the request capitalises in mid-sentence: proper names ("Omar", "Globex", "Rome").
        # ("Alice's inbox" names Alice: the possessive is not part of the name.)
        self.proper = frozenset(
            re.sub(r"['’]s$", "", m.group(1).lower()) for m in re.finditer(r"(?<=[\w,;:)] )([A-Z][\w'’-]*)", self.text)
        )
        verbs = frozenset(READ_VERBS).union(*FAMILIES.values())
        self.named = NamedValues(self.text, verbs, stem)  # values the request names as values, not its words
        # Names typed in any case ("book it under jansen", "mrs ito", "the petersons"; `naming`) are named too.
        # (Not named whole as a capitalised name is: a value that instructions to the model also wrote is judged
        # by where it was found first, `names_uncased`.)
        self.uncased = uncased_names(self.text)
        # The words of the names the request uses ("Mark", "Sarah Baker", 'q3-report'), three letters or more.
        # The kinds of destination the request asks for by a noun ("the webhook URL the team agreed on", "the
        # account in the email"): a sentence of the data it points at that sets one is then what it means.
        # (A preposition names no kind: "to" is a parameter's name, never a noun of the request.)
        self.wanted = frozenset(GROUP.get(k, k) for w in ws
                                if len(w) > 2 and w not in DESCRIPTION_STOP and (k := PARAM_KINDS.get(stem(w))))
        self.name_words = frozenset(w for w in self.named.name_words | self.proper | self.uncased
                                    if len(w) >= 3 and w.isalpha())
        self.persons = NamedPersons(self.text)  # the persons it names by a full name or a title and surname
        self.replacements = replacements(self.text)  # "'Fermentaion' -> 'Fermentation'" (`corrections`)
        self.to_self = addresses_self(self.text)  # "email me", "cc me": a copy to the person is asked for (`own`)

    @property
    def the_request(self) -> str:
        return "the request" if self.declared else "the session's declared intent (none was declared)"

    def names(self, value: str, kind: str) -> bool:
        """Is `value` (normalised) named in the request or a trusted list, whole?"""
        if value in self.trusted or value in self.values:
            return True
        if kind == "host" and value in self.parents:
            return True  # a bare domain above a host the request names (it carries nothing out)
        if kind in _ADDRESS_KINDS:
            return False
        if not _WORDISH.match(value):
            # Not a plain name ("alice@acme", "acct:42"): only the very same token counts.
            return value in self.chunks
        # A plain name counts only when the request names it as a value, never as one of its words.
        return self.named.names(value)

    def addresses(self, info: ToolInfo, value: str) -> bool:
        """Is `value` the person a clause that asks for this message sends it to: the bare word right after
        a verb of sending that grants the tool ("dm priya that …", "email bob the notes")? Not a function
        word, a pronoun, or what the tool sends ("send message to bob": 'message' is what it sends)."""
        for verb, obj in self.clauses:
            if not obj or obj[0] != value or obj[0] in _DETERMINERS or obj[0] in _PRONOUNS or obj[0] in NEGATIONS:
                continue
            if _fits(obj[0], info.acts_on) or stem(obj[0]) in READ_VERBS:
                continue
            sv = stem(verb)
            if sv in info.verbs or any(sv in FAMILIES[f] for f in info.families & {"communicate", "send"}) or (
                    "send" in info.kinds and "send" in verb_kinds(verb)):
                return True
        return False

    def names_whole(self, value: str) -> bool:
        """Named as a value of its own: an address, a trusted entry, a token as the request wrote it, or
        the word by which the person who asked names themselves ("a task for me": owner 'me')."""
        if value in self.trusted or value in self.values or value.lower() in self.quoted:
            return True  # quoted text is kept lower-cased; a path keeps its case ('Shop/Old quotes')
        if value in _ME and value in self.chunks:
            return True  # the person who asked, as they wrote it: it reaches no one else
        return value in self.chunks and _specific_token(value)  # "#eng-digest", "inv-7"; never a plain word

    def refers_to(self, value: str, full_names: bool = True) -> bool:
        """Does an argument of a read refer to something the request names specifically, i.e. a value,
        not a shared ordinary word? A quoted name, an address or file name, an id with digits, a name the
        request capitalises; or a phrase of the request's words one of which is such a reference. (Not
        `full_names`: a person's full name one part of which the request writes is left to the caller.)"""
        v = value.strip().lower()
        if len(v) < 2:
            return False
        if v in self.quoted or v in self.values or v in self.trusted or v in self.named.whole:
            return True
        if v in self.chunks and _specific_token(v):
            return True
        if full_names and self._names_part_of(value):
            return True
        ws = words(v)
        if not ws or len(ws) > 8:
            return False
        # Stemmed twice: a plural of a derived word ("bookings") is the word the request used ("booking").
        mine = {stem(stem(w)) for w in words(self.text)}
        if not all(stem(stem(w)) in mine for w in ws):
            return False
        return any(w in self.proper or any(c.isdigit() for c in w) for w in ws) or any(
            _specific_token(c) and c in self.chunks for c in v.split()
        )

    def names_label(self, value: str) -> bool:
        """Does the request name a record by this value of one of its fields, an identifier of two words or
        more (a file name, a slug: joined by - _ . or with digits; never a person's name, see `persons`): as written
        ('client-meeting-minutes.docx'), or by its words in order, two or more and a file's extension dropped
        ("the team meeting minutes file": `team-meeting-minutes.docx`)?"""
        v = value.strip()
        if " " in v or not _specific_token(v) or len(words(v)) < 2:
            return False  # (a one-word value, "Q3", is a topic many records may share)
        if self.names_whole(v.lower()) or self.names_whole(v):
            return True
        ws = words(re.sub(r"\.[A-Za-z0-9]{1,5}$", "", v))
        return 2 <= len(ws) <= 12 and f" {' '.join(ws)} " in self.word_line

    def _names_part_of(self, value: str) -> bool:
        """Is `value` a person's name of two to four names (a title aside: "Dr. Elena Ruiz", `naming.is_name`), one
        of which the request writes as a name ("dr ruiz")? A search for that person is for whom the request names."""
        ws = [w for w in re.findall(r"[^\W\d_]+", value.lower()) if w not in TITLES]
        if not 2 <= len(ws) <= 4 or not all(len(w) >= 2 for w in ws):
            return False
        named = self.uncased | self.persons.surnames | self.name_words
        return any(w in named for w in ws) and all(w in named or is_name(w) for w in ws)

    def names_uncased(self, value: str) -> bool:
        """Is `value` a name the request types in any case (`naming`: "book it under jansen"), whole or as a
        phrase of such names in the request's order?"""
        ws = words(value)
        return bool(ws) and all(w in self.uncased for w in ws) and (
            len(ws) == 1 or f" {' '.join(ws)} " in self.word_line)  # (one word: a family's singular too)

    def names_number(self, value: float) -> bool:
        return any(abs(value - n) < 0.005 for n in self.numbers)

    def names_site(self, value: str) -> bool:
        host = url_host(value)
        return host in self.hosts or host in self.parents

    def covers_path(self, value: str, root: bool = True) -> bool:
        """A relative path stays inside the server's own root (`root`: enough for a write, not for a
        removal); any other path must be named, or lie under a folder the request names or a trusted
        entry ending in '/'."""
        v = value.strip()
        parts = re.split(r"[\\/]+", v)
        if ".." in parts:
            # Judged where it lands: /srv/reports/../../etc is /etc, and a relative one may climb out.
            if not v.startswith("/"):
                return False
            v = posixpath.normpath(v)
        elif root and v and not v.startswith(("/", "~", "\\")) and not re.match(r"^[a-zA-Z]:", v):
            return True
        low = v.lower()
        prefixes = [t for t in self.trusted if t.endswith("/")] + list(self.folders)
        return any(within(low, p) for p in prefixes)  # resolved, at component boundaries

    def asks_for(self, info: ToolInfo, strict: bool = False, params: Iterable[str] = ()) -> bool:
        """Does an imperative clause of the request (`_requested_clauses`) ask for this tool's action, on
        what the tool acts on? Its verb must be one of the tool's own (its name's first word) or of an action
        family its name belongs to (stemmed: "merges" asks for merge_*); unless `strict` (a destructive call
        needs its own verb), also a verb that shares a root with a word of the name ("comment on PR #42":
        add_issue_comment), one of the same kind of action (`_kind_fits`), or a light verb whose object is
        the tool verb's own noun (`_noun_fits`). Never its description: that is the upstream's text.
        Then the clause must act on what the tool acts on (`_acts_on_clause`): "close the account settings
        tab" is not close_account, "give Bob a summary" is not grant_access."""
        key = (info.name, strict, tuple(sorted({*info.params, *map(str, params)})))
        got = self._fit_cache.get(key)
        if got is None:
            got = self._fit_cache[key] = self._asks(info, strict, key[2])
        return got

    def _heading(self, raw: str) -> bool:
        """Is the clause a heading, followed by a colon ("Exp report for March: check the totals")? It
        names what follows; its first word is no order, so a clipped word there begins no verb."""
        at = self.text.find(raw)
        return at >= 0 and self.text[at + len(raw):].lstrip().startswith(":")

    def _asks(self, info: ToolInfo, strict: bool, params: tuple[str, ...]) -> bool:
        verbs = info.own_verbs()
        families = [FAMILIES[f] for f in info.families]
        light = name_tokens(info.name)[:1] in ([v] for v in _LIGHT_VERBS)
        for verb, obj, raw in (self.spans if strict else [*self.spans, *self.spelt]):
            sv = stem(verb)
            own = sv in verbs or bool(_joined_verbs(verb, obj) & verbs) or _again(verb, verbs) or (
                not strict and _clipped(verb, verbs) and not self._heading(raw))
            if own or (any(sv in f for f in families) and self._family_fits(info, params, verb, obj, raw)):
                if self._acts_on_clause(info, params, verb, obj, raw, light=own and verb in _LIGHT_VERBS):
                    return True
                continue
            if strict:
                continue
            if "buy" in (_phrasal_kinds(verb, obj) or verb_kinds(verb)) and _shop_step(info):
                return True  # "buy two tickets": putting them in the cart and checking out are how one buys
            if (len(verb) >= 3 and verb not in DESCRIPTION_STOP and roots(verb) & info.words) or \
                    self._kind_fits(info, params, verb, obj) or derives(info, verb) or \
                    rare_sense_fits(info, verb, obj):
                if self._acts_on_clause(info, params, verb, obj, raw):
                    return True
            elif (self._noun_fits(info, verb, obj) or _brings_into_being(info, verb, obj)
                  or _attaches_text(info, obj, verb)):
                return True
            elif _sends_what_it_makes(info, params, verb, obj):
                return True
            elif asks_access(verb_kinds(verb), raw, info.name, params):
                return True  # "give jlee-dev read access to …": a tool that grants a level (`grants.asks_access`)
            elif sv not in READ_VERBS and "delete" not in verb_kinds(verb) and self._moves_sum(info, params, raw):
                return True
            elif light and sv not in READ_VERBS and "delete" not in verb_kinds(verb) and \
                    self._acts_on_clause(info, params, verb, obj, raw, light=True):
                return True  # a tool named by a light verb takes its action from its object: "turn off the
                # kitchen lights" asks for set_light (the light verb itself asks for nothing, see above)
        # "Run test_elicitation to sign me up": the request asks for the tool by its name
        return not strict and _names_tool(self.text, info.name, self.verbs)

    def _acts_on_clause(self, info: ToolInfo, params: tuple[str, ...], verb: str, obj: tuple[str, ...], raw: str,
                        light: bool = False) -> bool:
        """Does the clause act on what the tool acts on? A verb names the action, its object what it acts on:
        - a light verb ("make", "set", `_LIGHT_VERBS`) carries no action of its own, so a tool named by one
          (make_repository_public, set_auto_forward) is asked for only by a clause that names the rest of its
          name ("make the repo public", not "make the README clearer");
        - a clause whose recipient (its first object, or what follows "to"/"with") is an address reaches a
          party, a channel or a place; a tool that takes no destination at all (publish_post, update_settings)
          cannot be what it asks ("post the report to bob@…", "update bob@… on the status");
        - a tool that carries no text of the person's (no free-text parameter) acts only on what its name and
          parameters say, so the head of the clause's object, when it is a common noun, must be that
          ("close the account settings tab": a tab, not close_account; "create a key takeaways list": a list,
          not create_api_key). A tool that carries text, or stores at a path, carries whatever the clause names
          ("send the report", "save the index");
          one that takes the id of what it acts on is asked by its own verb on whatever the person calls that
          ("share the spreadsheet": share_file's file_id); a payment pays for whatever the clause names; an
          object counted by a number ("200 EUR") is what a tool's amount counts."""
        named = [w for w in name_tokens(info.name)[1:] if len(w) >= 3 and not w.isdigit() and w not in _LINKS]
        # (the clause's own verb may be the noun's: "order syringes", "reorder the usual box" ask for place_order)
        said = (*obj, verb, verb[2:] if verb.startswith("re") else verb)
        if light and named and not all(any(_fits(w, _word_fits(t)) for w in said) for t in named):
            return False
        head, recipient, counted = _object_of(raw)
        # (a tool whose schema lists no parameters: what it takes, carries and acts on is unknown)
        schema = info.params
        if recipient and info.schema and not any(_param_group(info, p) or "address" in name_tokens(p)
                                                 for p in params):
            return False
        amount = any(stem(t) in AMOUNT_PARAMS for p in schema for t in name_tokens(p))
        if not head or not info.schema or any(_free_text(p) or _param_group(info, p) == "path" for p in schema) or (
                amount and "pay" in info.families):
            return True  # (a payment acts on whatever it pays for: "pay the electricity bill"; a path, what it stores)
        if name_tokens(info.name)[0] in _LIGHT_VERBS and named and all(_nominal_of(w, verb) for w in named):
            return True  # a light verb and the verb's own noun name the tool ("order a pizza": place_order)
        if stem(verb) in info.verbs and any(_id_param(p) for p in schema):
            return True  # the id of what it acts on, which the person names by their own word ("the NDA")
        if counted and amount:
            return True  # "transfer 200 EUR", "order 40 chairs": what its amount counts
        return _fits(head, _acts_on_name(info, [p for p in params if not _free_text(p)]))

    def _family_fits(self, info: ToolInfo, params: tuple[str, ...], verb: str, obj: tuple[str, ...],
                     raw: str) -> bool:
        """Does a clause whose verb is of an action family of the tool's name ("reply" for `send_email`,
        "save" for `upload_report`) act on what the tool acts on? A family groups verbs a person uses for
        one kind of action, never the object: "reply to Bob" is not `post_tweet`, "fix the typo" is not
        `update_branch_protection`. So the clause must name what the tool acts on (a word of its name after
        the verb or of a parameter's name that is not free text: "reply to the email"), or the tool must
        take where the clause's action goes as an argument of its own (a recipient, channel, address, path
        or account parameter, of the kind the clause names if it names one: "post to #eng" for a
        `channel`), which the destination rules then judge. A tool with no such parameter acts on a place
        its name fixes (the public, every user, a database) that the clause must name. A verb whose own
        kind of action is another (WordNet: "write" creates) asks for a send only by what it names first:
        its recipient ("write to Bob") or the tool's object ("write an email"), not a thing it makes ("write
        a draft email")."""
        names = [p for p in params if not _free_text(p)]
        acts_on = _acts_on_name(info, names)
        # (the kinds of the name's nouns count: `send_money` pays)
        kinds = (info.kinds | {_NOUN_KINDS.get(f, f) for f in info.families if f in _NOUN_KINDS}) - GENERIC_KINDS
        own = verb_kinds(verb) - GENERIC_KINDS
        content = [w for w in obj if w not in _DETERMINERS and w not in _MODIFIERS and w not in _LINKS
                   and w not in _PARTICLES]
        if "path" in _named_destinations(raw):
            content.append("file")  # a file name ("notes.md", "/srv/x") names a file
        if any(_time_param(p) for p in params) and _TIME_WORDS.search(raw):
            return True  # the clause names a time and the tool takes one: "move my 1:1 to Thursday"
        if own and kinds and not own & kinds:
            # a thing of the verb's own kind named before the tool's object is what the clause makes
            # ("write a draft email": a draft, not a send); "write them the following message" sends
            made = next((i for i, w in enumerate(content) if own & verb_kinds(w)), None)
            fit = next((i for i, w in enumerate(content) if _fits(w, acts_on)), None)
            if made is not None and (fit is None or made < fit):
                return False
        if any(_fits(w, acts_on) for w in content):
            return True
        if any(w in _PRONOUNS for w in obj) and any(_fits(w, acts_on) for w in self.word_line.split()):
            return True
        return any(_param_group(info, p) for p in params)

    @staticmethod
    def _moves_sum(info: ToolInfo, params: tuple[str, ...], raw: str) -> bool:
        """A clause whose object is a sum ("250 euros") and that names where it goes by an address of the kind
        the tool takes it (an IBAN for `to_iban`) asks for that tool, whatever its verb: "move 250 euros from
        checking to DE89 …" asks for `transfer(to_iban, amount)`. (It names every value that matters: the
        amount and destination rules then hold the call to them.)"""
        if not any(stem(t) in AMOUNT_PARAMS for p in params for t in name_tokens(p)):
            return False
        if not _object_of(raw)[2]:
            return False
        takes = {g for p in params if (g := _param_group(info, p))}
        return bool(takes & _named_destinations(raw) - {"path"})

    def _noun_fits(self, info: ToolInfo, verb: str, obj: tuple[str, ...]) -> bool:
        """A clause whose verb of action takes the tool verb's own noun as its object asks for that action:
        "make a reservation" (reserve_*), "make a payment" (pay_*), "place a booking" (book_*). The noun
        must head the object ("make a note of the payment" does not pay); a verb of removal never."""
        tokens = name_tokens(info.name)
        if not tokens or len(tokens[0]) < 3:
            return False
        kinds = verb_kinds(verb)
        weak = "delete" in kinds or not kinds - GENERIC_KINDS or stem(verb) in READ_VERBS
        if verb not in _LIGHT_VERBS and weak:
            return False  # "cancel the reservation", "review the payment": not the noun's action
        if obj[:1] and obj[0] in _PARTICLES:
            # "put in a request": the particle is the verb's, a phrasal verb that removes ("put out", "get out")
            # lends no noun its action, and the head is the last word of the noun phrase ("a transfer request")
            if "delete" in phrase_kinds(f"{verb} {obj[0]}"):
                return False
            phrase = list(itertools.takewhile(lambda w: w not in _LINKS, obj[1:6]))
            head = [w for w in phrase if w not in _DETERMINERS and w not in _MODIFIERS and not w.isdigit()][-1:]
        else:
            head = [w for w in obj[:4] if w not in _DETERMINERS and w not in _MODIFIERS and w not in _PARTICLES
                    and not w.isdigit()][:1]
        return bool(head) and _nominal_of(head[0], tokens[0])

    def _kind_fits(self, info: ToolInfo, params: Iterable[str], verb: str, obj: tuple[str, ...]) -> bool:
        """Does the clause ask for the same kind of action (`words.verb_kinds`, from WordNet: "raise a PO" and
        create_purchase_order both create) on what the tool acts on (its name after the verb, its
        parameters' names: "book a table" is not book_flight)? A kind that names every change (modify) is
        not enough alone; a pronoun object ("give it to the plumber") fits when the request names what the
        tool acts on elsewhere."""
        kinds = info.kinds - GENERIC_KINDS
        if not kinds:
            return False
        acts_on = info.acts_on | frozenset().union(
            *(roots(w) for p in params for w in name_tokens(str(p)) if len(w) >= 3 and w not in DESCRIPTION_STOP))
        if not acts_on:
            return False
        phrasal = _phrasal_kinds(verb, obj)
        if not phrasal and stem(verb) in READ_VERBS:
            return False  # "summarize the email" says nothing of sending one (WordNet: a way of saying)
        if not ((phrasal or verb_kinds(verb)) & kinds):
            return False
        if any(_fits(w, acts_on) for w in obj):
            return True
        return any(w in _PRONOUNS for w in obj) and any(_fits(w, acts_on) for w in self.word_line.split())


_LINKS = frozenset("to for of on in by at as from with into onto about back".split())
_FILE_NAME = re.compile(r"(?<![\w@.])[\w-]+\.[a-z][a-z0-9]{0,4}(?![\w@.])", re.I)
_CHANNEL = re.compile(r"(?<![\w#])#[a-z][\w-]*", re.I)
# The destination a parameter's name or schema says it takes, by group (`GROUP`): party, channel, web, ...
_DEST_GROUPS = frozenset({"party", "channel", "web", "account", "path", "place"})


# What the families of a tool's name's nouns say it does (`words.NOUN_FAMILIES`: "money" pays).
_NOUN_KINDS = {"pay": "pay"}
# A time the clause names: a day, a month, a part of the day, a clock time or a date.
_TIME_WORDS = re.compile(
    r"\b(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|today|tomorrow|tonight|yesterday|morning|afternoon|evening|"
    r"noon|midnight|week|month|time|date|day|jan(?:uary)?|feb(?:ruary)?|march|april|june|july|aug(?:ust)?|sept?(?:ember)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|\d{1,2}(?::\d\d)?\s*(?:am|pm)|\d{1,2}:\d\d|\d{4}-\d\d-\d\d)\b",
    re.I)
_TIME_PARAMS = frozenset(stem(w) for w in "start end date time datetime due deadline when until begin".split())


def _time_param(param: str) -> bool:
    """A parameter whose name says it takes a time (`start`, `end_time`, `due_date`)."""
    ps = [stem(t) for t in name_tokens(param)]
    return bool(ps) and ps[-1] in _TIME_PARAMS


def _free_text(param: str) -> bool:
    ps = [stem(t) for t in name_tokens(param)] or [""]
    return ps[-1] in FREE_TEXT or ps[0] in FREE_TEXT


def _param_group(info: ToolInfo, param: str) -> str:
    """The group of destination (`GROUP`) a parameter takes, by its schema's format or its name; "" if none."""
    if info.role(param) == "address":
        return "web"  # (a URI, host or e-mail by format: where it goes)
    tokens = name_tokens(param)
    kind = _param_kind([stem(t) for t in tokens] or [""]) or (
        _param_kind([stem(t[:-1] if t.endswith("s") else t) for t in tokens]) if tokens else None)  # "attendees"
    group = GROUP.get(kind or "", "")
    return group if group in _DEST_GROUPS else ""


_NOT_YET = frozenset("a an another new".split())  # an object that does not exist yet


def _brings_into_being(info: ToolInfo, verb: str, obj: tuple[str, ...]) -> bool:
    """Does the clause ask to make what a tool that creates acts on, by an idiom whose verb WordNet does not
    file under making ("raise a PO", "cut a release")? Its object is indefinite (an article
    or "new" first) and headed by the tool's object: a thing that does not exist yet, which the action brings
    into being. Never a verb that reads, reports or removes ("find a PO", "cancel an order"); a verb that reads in one
    sense and makes in another (of the family of "create": "open a claim") makes here, and a light verb ("take a
    note") takes its action from its object whatever WordNet's senses of it, unless it receives ("take", "get": a
    removal in WordNet) what a tool of harm would make ("take a payment" pays no one)."""
    if "create" not in info.kinds or not obj or obj[0] not in _NOT_YET:
        return False
    sv = stem(verb)
    if (sv in READ_VERBS and sv not in FAMILIES["create"]) or sv in DESTRUCTIVE_VERBS or verb in _REPORTING or \
            ("delete" in verb_kinds(verb) and (verb not in _LIGHT_VERBS or harms_by_name(info))):
        return False  # ("take a note": a light verb's senses; "take a payment" receives one, it pays no one)
    head = [w for w in obj if w not in _DETERMINERS and w not in _MODIFIERS and not w.isdigit()][:1]
    return bool(head) and _fits(head[0], info.acts_on)


_WITH_TEXT = re.compile(r"\bwith (?:a|an|the|some) (?:short |brief |quick |little )?(\w+)")


def _attaches_text(info: ToolInfo, obj: tuple[str, ...], verb: str = "") -> bool:
    """Does the clause ask, besides its own action, to attach a piece of text to what it acts on ("close the
    ticket with a note that …", "approve it with a comment")? Then a tool that adds or makes (its name's verb
    of the add or create family, not a send) a piece of free text (its name's object: `add_comment`,
    `create_note`) is that part of it. Where the text and the call's other values go is judged as any call's."""
    if not info.families & {"add", "create"} or "send" in info.kinds:
        return False
    tokens = name_tokens(info.name)
    if len(tokens) < 2 or stem(tokens[-1]) not in FREE_TEXT:
        return False
    # A verb that only looks ("find", "count", "list") attaches nothing: "count the tickets Bob approved with a
    # comment" describes the tickets.
    if stem(verb) in READ_VERBS and not verb_kinds(verb) & {"modify", "delete", "send", "share", "pay"}:
        return False
    # A relative or subordinate clause inside the object describes it ("the tickets that were closed with a
    # note"): it is not how the clause's own verb acts.
    cut = next((i for i, w in enumerate(obj) if w in _RELATIVE or w in ("whether", "if")), len(obj))
    m = _WITH_TEXT.search(" ".join(obj[:cut]))
    return m is not None and stem(m.group(1)) in FREE_TEXT


def _acts_on_name(info: ToolInfo, params: list[str]) -> frozenset[str]:
    """What a tool acts on by its name after the verb and its parameters' names (free text left out)."""
    from mcp_guard.intent.tools import _acts_on

    return _acts_on(name_tokens(info.name)[1:], {"properties": dict.fromkeys(params, {})})


def _named_destinations(raw: str) -> frozenset[str]:
    """The groups of destination a clause names by their shape: an address (e-mail, web, IBAN, phone,
    path), a file name ("notes.md"), a channel ("#eng")."""
    out = {GROUP[f.kind] for f in find_values(raw)}
    if _FILE_NAME.search(raw) and not out & {"web", "party"}:
        out.add("path")
    if _CHANNEL.search(raw):
        out.add("channel")
    return frozenset(out)  # (a proper name may be any of them: a person, a channel, a place, an account's)


def _word_fits(word: str) -> frozenset[str]:
    """What a word of a tool's name fits in a request: its roots and its synonyms (`OBJECT_SYNONYMS`)."""
    return roots(word) | OBJECT_SYNONYMS.get(stem(word), frozenset())


# A word of a clause as the request wrote it; an address or a quoted text is one token of its own.
_OBJECT_TOKEN = re.compile(r"[A-Za-z][\w'’-]*|\d[\w.,#/-]*|[#@][\w-]+|[,;:!?()]")
_POSSESSIVE = re.compile(r"['’]s?$")
_VALUE_TOKEN = "\x00"


def _object_of(raw: str) -> tuple[str, bool, bool]:
    """The head of a clause's object and whether its recipient is an address. `raw` opens with the verb.
    The object is the noun phrase after the verb up to a link word ("the open issues of corp/site": issues) or
    a word that says when ("a pickup tomorrow");
    its head is its last word (English compounds end in their head: "the account settings tab" is a tab); a
    possessive opens it anew ("Bob's review notes": notes); a person, a pronoun or an address before a
    second noun phrase is the recipient of a double object ("give Bob a summary": a summary). The head is ""
    when it is no common noun: a value (an address, a quoted text, an id with digits, a capitalised name),
    a pronoun, or nothing; a relative clause ends the phrase ("the update the bridge says is available"). The
    recipient is the address of a person or an account right after the verb or after "to"/"with"; `counted`:
    a number counts the head."""
    text = raw[len(raw) - len(raw.lstrip()):]
    # (an address of a party or an account: "to 203.0.113.40" sets a value, it reaches no one)
    spans = [(f.start, f.end) for f in find_values(text) if GROUP[f.kind] in ("party", "account")]
    for a, b in reversed(spans):
        text = text[:a] + f" {_VALUE_TOKEN} " + text[b:]
    text = _QUOTED_SPAN.sub(" @quoted ", text)  # a quoted text is a value, never an address
    tokens = _OBJECT_TOKEN.findall(text.replace(_VALUE_TOKEN, " @value "))[1:]
    recipient = tokens[:1] == ["@value"] or any(
        t == "@value" and tokens[i - 1].lower() in ("to", "with") for i, t in enumerate(tokens) if i)
    phrase: list[str] = []
    counted = False
    for t in tokens:
        low = t.lower()
        if low in _PARTICLES and not phrase:
            continue  # "turn off the lights"
        if low in _LINKS or not (t[0].isalnum() or t[0] in "#@"):
            break
        if phrase and low in _WHEN:
            break  # "book a pickup tomorrow at the depot": a word that says when ends the noun phrase
        if phrase and (low in _RELATIVE or (low in _DETERMINERS and not _not_noun(phrase[-1]))
                       or (len(low) >= 5 and low.endswith("ed"))):
            break  # "the file that Bob sent", "the update the bridge says is available", "the folder named tmp"
        if low in _DETERMINERS or low in _MODIFIERS:
            if phrase and _not_noun(phrase[-1]):
                phrase = []  # "give Bob a summary", "give him a note": the recipient, then the object
            continue
        if t[0].isdigit() or t[0] == "#":
            counted = counted or t[0].isdigit()
            if phrase:
                break  # "ticket #42": an id after its noun; "EUR 45"
            continue  # "40 ergonomic chairs"
        if _POSSESSIVE.search(t) and len(t) > 2 and not low.endswith("s'"):
            phrase = []  # "Bob's review notes": what follows is the object
            continue
        phrase.append(t)
    if not phrase or _not_noun(phrase[-1]):
        return "", recipient, counted
    return phrase[-1].lower(), recipient, counted


def _sends_what_it_makes(info: ToolInfo, params: tuple[str, ...], verb: str, obj: tuple[str, ...]) -> bool:
    """Does a clause that sends a thing ("send the invite", "send out the meeting invitation") ask for the tool
    that makes that thing for the people it takes? It does when the verb sends (the communicate family or
    WordNet's kind send), the tool creates (and removes nothing), takes recipients (a party parameter:
    `attendees`), and the head words of the clause's object are what its name says it makes, or their
    synonyms (an invite is an event's): the thing reaches them by being made for them, and the
    destination rules judge who they are."""
    if "create" not in info.kinds | info.families or "delete" in info.kinds:
        return False
    if stem(verb) not in FAMILIES["communicate"] and "send" not in verb_kinds(verb):
        return False
    if not any(_param_group(info, p) == "party" for p in params):
        return False
    made = frozenset().union(*(_word_fits(w) for w in name_tokens(info.name)[1:] if len(w) >= 3))
    phrase = []
    for w in obj:
        if w in _LINKS:
            break  # "send the report to the invitees": the object ends before its link word
        phrase.append(w)
    return any(_fits(w, made) for w in phrase if w not in _DETERMINERS and w not in _PARTICLES)


def _shop_step(info: ToolInfo) -> bool:
    """Is the tool a step of buying in a shop: its name names a cart, a basket or the checkout (`add_to_cart`,
    `checkout`, `check_out_basket`), or it makes what a purchase is recorded as, a noun of its name that WordNet
    files, as a verb, under buying (`create_purchase_order`, `create_order`)? A request to buy something asks
    for these steps (the amount and destination rules still judge their arguments)."""
    tokens = name_tokens(info.name)
    if "create" in info.kinds and any("buy" in verb_kinds(t) for t in tokens[1:]):
        return True
    return any(stem(t) in SHOP_STEPS for t in (*tokens, *map("".join, zip(tokens, tokens[1:], strict=False))))


def _not_noun(token: str) -> bool:
    """A token of an object that is no common noun: a value, a pronoun, a capitalised name (not an acronym)."""
    low = token.lower()
    return token in ("@value", "@quoted") or low in _PRONOUNS or low in _SELF or low in _INDEFINITE or (
        token[0].isupper() and not token.isupper()) or _specific_token(low)


# Words that say when, never what: after a noun they end its phrase ("a pickup tomorrow", "the report monday").
_WHEN = frozenset("today tomorrow tonight yesterday now asap monday tuesday wednesday thursday friday saturday sunday"
                  .split())
_RELATIVE = frozenset("that which who whom whose where when whoever".split())
_INDEFINITE = frozenset("anyone anybody everyone everybody someone somebody all both whoever each".split())


def _id_param(param: str) -> bool:
    """A parameter that takes the id of what the tool acts on (`file_id`, `request_id`, `id`, `recordIds`)."""
    tokens = name_tokens(param)
    return bool(tokens) and tokens[-1] in ("id", "ids")


# Verbs that carry no action of their own and take it from their object ("make a payment", "place an
# order"): the light verbs of English grammar.
_LIGHT_VERBS = frozenset("make do place put set take have get give".split())
_MODIFIERS = frozenset("new quick another one more same usual each every all any".split())
_NOMINAL = ("ation", "ition", "ment", "ance", "ence", "ion", "al", "ing", "")


def _nominal_of(noun: str, verb: str) -> bool:
    """Is `noun` the verb's own noun, by derivation: reservation (reserve), payment (pay), booking (book),
    transfer (transfer)? Plural or not."""
    n = noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun
    bases = {verb, verb[:-1]} if verb.endswith("e") else {verb}
    return any(n == b + suffix for b in bases for suffix in _NOMINAL)


_PARTICLES = frozenset("up down out off away over in on back".split())


def _phrasal_kinds(verb: str, obj: tuple[str, ...]) -> frozenset[str]:
    """The kinds of action a clause's verb names as a phrasal verb, where WordNet lists one: "get rid of
    the drafts", "throw the old files away", "set up a meeting" (a phrasal verb's sense is its own)."""
    for n in (2, 1):
        if len(obj) >= n and (kinds := phrase_kinds(" ".join((verb, *obj[:n])))):
            return kinds
    for w in obj[1:4]:
        if w in _PARTICLES:  # the particle after a short object
            return phrase_kinds(f"{verb} {w}")
    return frozenset()


# The kinds of action that prepare a thing for another action on it (`DefaultEngine._prepares`).
_PREPARING = frozenset({"create", "modify"})
_MAKING = frozenset({"create", "add", "update"})  # the verb families (`words.FAMILIES`) of making and changing
_CHANGING = _PREPARING | {"delete"}  # an action on a thing that only makes, changes or removes it uses nothing


def _name_head(name: str) -> str:
    """The stem of the last noun of a tool's name after its verb (`update_campaign_draft`: draft); "" if none."""
    nouns = [t for t in name_tokens(name)[1:] if len(t) >= 3 and not t.isdigit() and t not in _LINKS]
    return stem(nouns[-1]) if nouns else ""


def _joined_verbs(verb: str, obj: tuple[str, ...]) -> frozenset[str]:
    """A phrasal verb of the clause written as one word, as tool names write it: "roll it back" and "roll
    back" are `rollback`, "sign up" `signup`, "log in" `login` (its particle right after the verb or after a
    short object)."""
    particle = next((w for w in obj[:3] if w in _PARTICLES), "")
    if not particle or any(w in _LINKS and w not in _PARTICLES for w in obj[:obj.index(particle)]):
        return frozenset()
    return frozenset({stem(verb + particle), stem(stem(verb) + particle)})


def _again(verb: str, verbs: frozenset[str]) -> bool:
    """Is the clause's verb the tool's own verb done again or over ("rewrite", "overwrite", "resend" for
    write, send): re-/over- before it, where WordNet gives both words a kind of action and they share one
    ("remove" is no "move", "reserve" no "serve", "release" no "lease")?"""
    for prefix in ("re", "over"):
        base = verb[len(prefix):]
        if verb.startswith(prefix) and len(base) >= 3 and stem(base) in verbs:
            return bool(verb_kinds(verb) & verb_kinds(base))
    return False


def _clipped(verb: str, verbs: frozenset[str]) -> bool:
    """Is the clause's verb a clipped form of the tool's verb: a word of three letters or more that WordNet
    lists as no verb and that begins it ("ack" for acknowledge, "resched" for reschedule, "config" for
    configure)? A word that is a verb of its own ("con", "rev") keeps its own sense."""
    if len(verb) < 3 or not verb.isalpha() or is_verb(verb):
        return False
    return any(len(v) > len(verb) and v.startswith(verb) for v in verbs)


def _fits(word: str, acts_on: frozenset[str]) -> bool:
    """Is `word` (of the request) what a tool acts on: a shared root ("orders": order), or its initials ("po")?"""
    if len(word) < 2 or word in DESCRIPTION_STOP or word.isdigit():
        return False
    return word in acts_on or bool(roots(word) & acts_on)


def _names_tool(text: str, name: str, verbs: frozenset[str]) -> bool:
    """Is the tool's own name the object of a verb the request asks with (`run test_elicitation`; not
    "don't call test_elicitation", whose verb is negated and so not among the request's verbs)?"""
    if len(name) < 4:
        return False
    pattern = rf"\b([a-z]+)\s+(?:the\s+)?(?:tool\s+)?`?{re.escape(name)}(?![\w-])"
    return any(stem(m.group(1)) in verbs for m in re.finditer(pattern, text, re.I))


def _pointed_field(v: Value, prov: Provenance, record: SessionRecord) -> bool:
    """Does a clean result of a call for what the request names carry the value as a field of its data?"""
    from mcp_guard.intent.record import occurrences

    return any(o.is_field for e in prov.pointed if e in prov.fields for o in occurrences(e, v.value))


def _mailbox_words(kind: str, value: str) -> set[str]:
    """The words of three letters or more of an e-mail address's own name (`mark.davies@…`: mark, davies)."""
    if kind != "email" or "@" not in value:
        return set()
    return set(re.findall(r"[^\W\d_]{3,}", value.rsplit("@", 1)[0]))


def _spells_a_name(value: str, names: Iterable[str]) -> bool:
    """Does an address carry a name of four letters or more inside one of its domain's labels
    (`ridgelinetransport`)? Never by its mailbox: whoever owns a mailbox names it as they like
    (`tom.becker@rival.example` under the name Eve Stone)."""
    labels = [w for w in re.split(r"[^\w]+|_", value.lower().rpartition("@")[2]) if w]
    return any(len(n) >= 4 and n in label for n in names for label in labels)


# (no end in "auth.py", "10:30", nor after a letter alone, an initial or abbreviation: "Smith v. Jones", "e.g.",
# "J. Doe"; a bullet, and a dash, "+", "&", "/" or an arrow between spaces, is a break)
_CLAUSE_TOKEN = re.compile(r"[a-z0-9]+|(?<![^a-z0-9][a-z])(?<!^[a-z])\.(?=\s|$)|[!?;,()\[\]\n\"“”•]|:(?!\d)"
                           r"|(?<=\s)(?:[-–—+&/→]|->)(?=\s)")
# Text the person quotes or puts in brackets is not their request: a title, a phrase someone wrote, text to
# translate ("Summarize the PR whose title is 'Merge the hook'"). Read as one placeholder token, never a verb.
_ABBREVIATION = re.compile(r"(?<![\w.@])[a-z]\.(?=\s|$|[a-z]\.)|(?<=[a-z]\.)[a-z]\.(?=\s|$)")
_QUOTED_SPAN = re.compile(r"\"[^\"\n]*\"|“[^”\n]*”|‘[^’\n]*’|(?<![\w'])'[^'\n]+'(?![\w])|\([^()\n]*\)|\[[^\[\]\n]*\]"
                          r"|`[^`\n]*`")
_SENTENCE_END = frozenset(".!?;\n")


# The one rule of what a request asks for: a verb grants an action only where the request asks for it,
# as the first word of an imperative clause (its start, or after a mark, a dash, "and", "then", "also",
# "please", or a request frame: "can you", "I want you to", "help me"), not negated ("don't", "never", "not
# yet", "without", "refrain from"; nor its object: "merge nothing"), not in a question ("merge it?", unless it
# opens "can you …"), a subordinate clause ("if it is ready to merge", "why it cannot be merged") or a clause
# that waits for the person's later word ("only after I confirm, merge it"), not a noun ("merge conflicts are
# expected", "the merge"), not inside quotes or brackets, not in the text after "says:" (text to write), and
# not a bare item of a list that follows a negated clause ("refrain from any action - close, merge").
_QUESTION = frozenset("is are was were am be been does did do why how what whether if when where which who whom "
                      "whose because since though although unless until while once that".split())
_FRAME_TO = frozenset("you me them him her us want wants wanted need needs like love wish have has going got "
                      "trying try ask asked remember order able".split()) - {"able"}
_ASKS_SOMEONE = frozenset("ask tell get remind invite allow let want need like help".split())
_SUBORDINATE = frozenset("if whether why how what when where".split())
_LEADS = CLAUSE_LEADS | {"help", "me", "go", "ahead", "d", "ll", "kindly", "to", "u"}
# Leads after which a word that is no verb is an interjection, not the clause's verb ("ok so …", "great, now …").
_INTERJECTED = frozenset("so now just please pls kindly".split())
_FINITE = frozenset("is are was were has have had will would can could should may might must".split())
# Words that join two verbs under one negation ("never share or publish it", "do not delete + archive it").
_COORDINATING = frozenset(("or", "and", "&", "+", "/"))
_NEGATING = NEGATIONS | {"don", "doesn", "didn", "won", "shouldn", "mustn", "without", "cannot", "can't", "refrain",
                         "avoid", "abstain"}
_NO_OBJECT = frozenset("nothing none no neither".split())  # "merge nothing": a negated object asks for nothing
# A condition on the person's own later word: what follows in the sentence waits for it.
_WAITS = frozenset("if once after when until unless before".split())
_BE = frozenset("re m are am was were".split())  # "we're", "I am": the person's state, not an act of theirs


def _compares_holdings(after: list[str]) -> bool:
    """Does a condition on "we"/"I" state what the person holds against a number ("if we're below 5", "if I am
    over 200")? That is a condition on the data (a count, a balance), as "if it's under 5" is, not on the person's
    later word ("if we are done", "if I confirm")."""
    return after[:1] != [] and after[0] in _BE and any(w[0].isdigit() for w in after[1:4])
# Verbs that report what a text says: after "… says:" comes the text, not the request.
_REPORTING = frozenset("say says said saying read reads stating states write writes wrote written translate "
                       "translates tell".split())
# Verbs that hand a task to whom they name: "remind me to …" asks for a reminder, not for the task.
_REMINDS = frozenset("remind ask tell".split())
_POLITE_QUESTION = frozenset("can could would will".split())
_OPENING_PREPOSITIONS = frozenset("for in on at with from about during".split())
# After "I"/"we": what the person will do or must do themselves ("I'll pay later", "I need to pay Bob", "we have
# to file it"); "I'd like …", "I want …" ask (and "I need you to …" is a request frame).
_PLANS = frozenset("ll will shall must should need needs have has ve got plan am m going".split())
# Verbs of aspect: they say when an action starts or ends, and take it as their complement ("start by reading
# my inbox", "begin drafting", "finish by sending the notes"): the complement's verb is the one asked.
_ASPECTUAL = frozenset("start begin commence continue keep finish end resume".split())
# Words of a clause after its verb that do not say what it acts on.
_PRONOUNS = frozenset("it them this that these those one ones him her".split())


def _for_the_person(verb: str, after_self: list[str]) -> bool:
    """Is "VERB me/us …" an action done for the person ("book me a table", "order us lunch", "sign me up")
    rather than an answer handed to them? It is, when something follows the person (not a clause of time
    or condition: "call me when it is done") and the verb makes, acquires, grants or runs something (its
    WordNet kinds: create, buy, share, execute), and is no verb that tells, sends or shows (the communicate
    family, a read or reporting verb: "send me the list", "show me my orders", "comment me the gist")."""
    if not after_self or not after_self[0][0].isalnum() or after_self[0] in _QUESTION or after_self[0] in _WAITS:
        return False
    sv = stem(verb)
    if sv in FAMILIES["communicate"] or sv in READ_VERBS or verb in _REPORTING:
        return False
    return bool(verb_kinds(verb) & _FOR_THE_PERSON)


_FOR_THE_PERSON = frozenset({"create", "buy", "share", "execute"})


def _let_know(tokens: list[str], i: int) -> tuple[tuple[str, ...], int] | None:
    """ "let X know …" (tokens[i] is "let") tells X: the words of X and of what follows "know" to the clause's
    end, and the index of its last token; None when it is not that idiom, or X is the person ("let me know":
    an answer to the person)."""
    k = next((j for j in range(i + 2, min(i + 7, len(tokens))) if tokens[j] == "know"), None)
    if k is None or tokens[i + 1] in _SELF or not all(tokens[j][0].isalnum() for j in range(i + 1, k)):
        return None
    after = []
    for w in tokens[k + 1:]:
        if not w[0].isalnum() or w in ("and", "then", "also", "please", "or", "but"):
            break
        after.append(w)
    return (*tokens[i + 1:k], *after), k + len(after)


# Words that open a condition the main clause follows ("if it fails, …"; "when the build passes deploy it").
_CONDITIONS = frozenset("if when once unless whenever".split())
_EXPLETIVES = frozenset({"there", "here", "what", "who"})
# A finite verb contracted after a pronoun: "it's", "they're", "I'm", "they've", "she'll", "we'd".
_CONTRACTED = frozenset({"s", "re", "m", "ve", "ll", "d"})
_SUBJECTS = frozenset({"i", "you", "we", "they", "he", "she", "it"})


def _opens_after_condition(token: str, prev: str, nxt: list[str]) -> bool:
    """Does an imperative clause open at `token`, inside a condition that already has its own verb and no
    comma ("if it's less than 4 people email the backup volunteers")? It does when the token is a verb in its
    base form (as WordNet lists it), not after an article, a preposition or "to" (a noun, an infinitive),
    and it takes an object that opens with an article or a pronoun ("email the …", "deploy it"), after its
    particle if it has one ("put in an order"). A
    condition whose own verb comes later ("if the team members email the list") is not ended by it."""
    if not nxt or prev in _DETERMINERS or prev in _LINKS or prev in _PARTICLES:
        return False
    if nxt[0] in _PARTICLES and nxt[1:]:
        nxt = nxt[1:]  # a phrasal verb's particle first: "if it's under 5 put in an order"
    return is_verb(token, base=True) and (nxt[0] in _DETERMINERS or nxt[0] in _PRONOUNS)


def _requested_clauses(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """The request's imperative clauses (the rule above), in order: each clause's verb and the words after
    it up to the clause's end (what it acts on)."""
    return [(verb, obj) for verb, obj, _ in _clause_spans(text)]


def _clause_spans(text: str) -> list[tuple[str, tuple[str, ...], str]]:
    """`_requested_clauses` with each clause's text as the request wrote it (its verb to its end)."""
    # (a quoted span becomes one placeholder token of the same length, so offsets stay the request's)
    low = text.lower()
    found = [m for m in _CLAUSE_TOKEN.finditer(_QUOTED_SPAN.sub(lambda m: " 0" + " " * (len(m.group()) - 2), low))
             if not _ABBREVIATION.match(low, m.start())]  # (an initial or "v.", "e.g.": no word of a clause)
    if len(low) != len(text):
        text = low  # a letter that lower-cases to two ("İ"): offsets are the lower-case text's
    tokens = [m.group() for m in found]
    # A verb written as two words joined by a hyphen ("e-sign", "re-send") is read as one (`compounds`).
    joined = {i: verb for i in range(len(found) - 1) if found[i + 1].start() == found[i].end() + 1
              and low[found[i].end()] == "-" and (verb := compound_verb(tokens[i], tokens[i + 1]))}
    # Sentences ending in a question mark ask nothing unless they open as a polite request ("can you …?").
    skip: set[int] = set()
    begin = 0
    for i, t in enumerate([*tokens, "."]):
        if t in _SENTENCE_END:
            # A request frame may sit inside it ("hey, her password expired again, can you reset it?"): what
            # follows the frame asks; what comes before it, or a frame after a question word ("which would
            # you recommend?"), does not.
            frame_at = next((j for j in range(begin, i) if tokens[j] in _POLITE_QUESTION
                             and tokens[j + 1:j + 2] in (["you"], ["u"])
                             and (j == begin or tokens[j - 1] not in _QUESTION)), i)
            if t == "?" and tokens[begin:begin + 1] != ["please"]:
                skip.update(range(begin, frame_at))
            begin = i + 1
    out: list[tuple[str, tuple[str, ...], str]] = []
    opening = True
    frame = False  # the clause opened with a verb that asks someone to act ("ask the people who … to review")
    frame_by = ""  # that verb
    negated = False  # the sentence so far holds a negated clause: a bare list after it names what not to do
    waiting = False  # the sentence waits for the person's later word, or holds text to write
    aspect = False  # the last word was a verb of aspect ("start", "begin"): its complement is the action
    plan = False  # the person speaks of their own plan or duty ("I'll pay Bob later", "I need to pay Bob")
    told_to = -1  # the last token of a "let X know …" clause
    carry = False  # a negated bare verb and "or", "&", "/" … came right before: the next verb is negated too
    carried_at = -1  # the last verb so negated ("never share, edit & publish it")
    condition = False  # in a condition on the data ("if it's under 4 people …"), not on the person's word
    stated = False  # that condition has its own verb: an imperative with an object after it ends it
    for i, t in enumerate(tokens):
        if i <= told_to:
            continue
        prev = tokens[i - 1] if i else ""
        if t in _SENTENCE_END:
            negated = waiting = plan = condition = carry = False
        if t in _COORDINATING and (v := i - 2 if prev in ("it", "them") else i - 1) >= 1 and is_verb(tokens[v]) and (
                tokens[v - 1] in _NEGATING or v == carried_at):
            carry = True  # "never share & publish it", "don't email / text bob": the negation covers both verbs
        if t == ":" and (_REPORTING & set(tokens[max(0, i - 6):i])):
            waiting = True  # "a comment that says: merge after the release"
        if t == "please" and prev in _NEGATING:
            continue  # "never please delete it": the negation's verb follows
        if not t[0].isalnum() or t in ("and", "then", "also", "please", "or", "but"):
            opening, frame, condition = True, False, False
            continue
        if t in ("i", "we") and tokens[i + 1:i + 2] and tokens[i + 1] in _PLANS:
            plan = True  # the verb that follows is the person's to do, not the agent's
        elif t in ("you", "u"):
            plan = False  # "I need you to …": a request frame
        if t in _WAITS and tokens[i + 1:i + 2] in (["i"], ["we"]) and not _compares_holdings(tokens[i + 2:i + 6]):
            waiting = True  # "only after I confirm, merge it"
        if aspect and t in ("by", "to"):
            continue  # after "start", "begin": the clause's verb comes next
        aspect = False
        if t == "to":
            # "I want you to …", "ask them to …", "ask the people who … to …"; never "ready to …"
            opening = prev in _FRAME_TO or frame
            if frame_by in _REMINDS and prev in ("me", "us"):
                opening = False  # "remind me to delete it": the person's own task, not the agent's
            continue
        if t in _ASKS_SOMEONE and opening:
            frame, frame_by = True, t
        elif t in _SUBORDINATE:
            frame = False  # "tell me if it is ready to merge": the "to" is the question's
        if t in _POLITE_QUESTION and tokens[i + 1:i + 2] in (["you"], ["u"]):
            opening = True  # "… forgot her password again, can you reset it": a request frame opens a clause
        if condition and not opening:
            if t in _FINITE or (t in _CONTRACTED and prev in _PRONOUNS | _EXPLETIVES | _SUBJECTS):
                stated = True  # "if it's …", "if they're …", "if there are …", "when the build is …"
            elif stated and _opens_after_condition(t, prev, tokens[i + 1:i + 3]):
                condition, opening = False, True  # "if it's less than 4 people email the backup volunteers"
        if not opening:
            continue
        if t in _OPENING_PREPOSITIONS or (plan and t in _PLANS):
            continue  # "for now, just summarize it": a phrase before the clause's verb, never its verb
        if t == "let" and (told := _let_know(tokens, i)) and not (i in skip or waiting or plan):
            opening, (obj, last) = False, told  # "let the team know …": a verb of telling (inform)
            raw = "inform " + text[found[i + 1].start():found[last].end()]
            out.append(("inform", obj, raw))
            told_to = last  # (its words are read: "let Bob and Ana know" opens no clause at "Ana")
            continue
        if t in _LEADS and not (t in ("can", "could", "would", "will") and i + 1 < len(tokens)
                                and tokens[i + 1] not in ("you", "u", "we", "i")):
            continue
        if (t == "s" and prev == "let") or (len(t) > 4 and t.endswith("ly") and not is_verb(t)) or (
                tokens[i + 1:i + 2] and tokens[i + 1] in _INTERJECTED and not is_verb(t) and t not in _NEGATING):
            continue  # "let's archive it", "quickly archive it", "ok so bin it": no verb (WordNet's) before the verb
            # (but a negation is none: "never just delete it")
        opening = False
        if t in _NEGATING or t in _QUESTION or t in _DETERMINERS or (t == "do" and tokens[i + 1:i + 2] == ["not"]):
            negated = negated or t in _NEGATING or t == "do"
            if t in _CONDITIONS:
                condition, stated = True, False
            continue  # a negated, questioning or subordinate clause, or a noun phrase: asks for nothing
        if carry:
            carry, carried_at = False, i
            continue
        verb, first = (joined[i], i + 2) if i in joined else (t, i + 1)
        nxt = tokens[first:first + 2]
        if nxt[:1] and nxt[0] in _SELF and not _for_the_person(verb, nxt[1:]):
            continue  # "send me the list", "tell us": an answer to the person, not an action on others
        if nxt[:1] and nxt[0] in _FINITE or nxt[1:] and nxt[1] in _FINITE and nxt[0] not in _DETERMINERS:
            continue  # "merge conflicts are expected": the subject of a clause, a noun
        if nxt[:1] and nxt[0] in _NO_OBJECT:
            continue
        if plan and not (t in _ASPECTUAL and nxt[:1] and nxt[0] in ("by", "to")):
            plan = False
            continue
        if i in skip or waiting or (negated and (not nxt or not nxt[0][0].isalnum() or nxt[0] in ("or", "and"))):
            carried_at = i if negated else carried_at  # (a bare item of a negated list: "never share, edit & publish")
            continue
        if t in _ASPECTUAL and nxt[:1] and (nxt[0] == "by" or nxt[0].endswith("ing") or nxt[0] == "to"):
            opening, aspect = True, True  # "start by reading …", "begin drafting": the verb that follows is asked
            continue
        if not t.isdigit():
            obj = []
            for w in tokens[first:]:
                if not w[0].isalnum() or w in ("and", "then", "also", "please", "or", "but"):
                    break
                obj.append(w)
            end = found[first - 1 + len(obj)].end()
            out.append((verb, tuple(obj), text[found[i].start():end]))
    return out


def _parents(host: str) -> Iterator[str]:
    """The domains above a host, down to two labels: a.b.acme.example -> b.acme.example, acme.example."""
    labels = host.split(".")
    for i in range(1, len(labels) - 1):
        yield ".".join(labels[i:])


def _numbers(text: str) -> Iterator[float]:
    """The numbers a text names: "1,200", "84.20", "25k", and a count written as a word ("six", "a dozen";
    a word of a compound such as "twenty-five" names its parts, never more than the request wrote)."""
    for m in _NUMBER.finditer(text):
        x = float(m.group(1).replace(",", "") + (m.group(2) or ""))
        yield x * {"k": 1e3, "m": 1e6}.get((m.group(3) or "").lower(), 1)
    yield from sums(text)  # as a sum is written ("5 000 EUR", "50,00 €")
    for w in words(text):
        if w in _NUMBER_WORDS:
            yield float(_NUMBER_WORDS[w])


# English counts written as words, two to twenty, the tens and a dozen ("one" is as often a pronoun: "the one
# Bob sent").
_NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split()) if i >= 2} | {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
                                                      "seventy": 70, "eighty": 80, "ninety": 90, "dozen": 12}


def _specific_token(token: str) -> bool:
    """A token that names one thing rather than a kind: it has a digit, or joins words with . _ - / @ #."""
    t = token.strip(_TRAIL)
    joined = any(c in "._-/@#" for c in t.strip("._-/@#")) and any(c.isalpha() for c in t)
    return joined or any(c.isdigit() for c in t)


def _identifier_like(value: str) -> bool:
    """A short single token that names something (an owner, a bucket, a user id), not prose or a count."""
    return 3 <= len(value) <= 64 and " " not in value and (
        any(c.isalpha() for c in value) or len(value.lstrip("+-")) >= 5
    )


@dataclass(frozen=True, slots=True)
class Value:
    param: str
    kind: str  # email | url | host | iban | phone | path (address-like) or a kind by the argument's name
    value: str  # normalised
    address: bool  # address-like (found by its shape) rather than a name by its argument
    destination: bool  # says where an effect goes (not merely what it acts on)
    raw: str = ""  # as the call wrote it
    prose: bool = False  # found inside free text the agent wrote (a message body), not an argument of its own

    def carries_data(self) -> bool:
        """Could the value itself carry data out: a web address with a path, query or user part, an
        e-mail address, a phone number or account? (A bare host or a path named in prose cannot.)"""
        if self.kind in ("url", "host"):
            return any(c in self.value for c in "/?#@")
        return self.kind != "path"

    def forms(self) -> tuple[str, ...]:
        """Other spellings under which a result may carry the value."""
        return search_forms(self.kind, self.value, self.raw)


def call_values(arguments: dict[str, Any], leaves: list[tuple[str, str]] | None = None) -> list[Value]:
    """The consequential values of a call's arguments (see the module's docstring); `leaves`: their
    `argument_leaves`, when the caller has them already."""
    out: list[Value] = []
    seen: set[str] = set()
    for param, text in argument_leaves(arguments) if leaves is None else leaves:
        whole = text.strip()
        pstems = [stem(t) for t in name_tokens(param)] or [""]
        prose = pstems[-1] in FREE_TEXT or pstems[0] in FREE_TEXT
        found = list(find_values(text))
        if not prose and len(found) == 1 and _handle(text, whole, found[0]) and _param_kind(pstems) == "person":
            # A person's handle written with dots ("lena.kowalski") reads like a host; in an argument that
            # names a person it is that person's name, judged as a name (found nowhere: asked, not denied).
            if whole.lower() not in seen:
                seen.add(whole.lower())
                out.append(Value(param, "person", whole.lower(), False, True))
            continue
        for f in found:
            if f.value not in seen:
                seen.add(f.value)
                raw = text[f.start:f.end]  # as written (for an address decoded from a URL's query: its value)
                raw = raw if normalise(f.kind, raw) == f.value else f.value
                out.append(Value(param, f.kind, f.value, True, True, raw, prose))
        if not whole or len(whole) > 200 or "\n" in whole or whole.lower() in seen or prose:
            continue
        kind = _param_kind(pstems)
        # The argument is one address whole (found above, or parsed as the kind its name says): judged
        # as that address, never again as a raw string that must match exactly.
        one = whole_value(text, kind or "", found)
        if one is not None:
            if one.value not in seen:
                seen.add(one.value)
                out.append(Value(param, one.kind, one.value, True, True, whole))
            continue
        if kind in ("email", "url", "path") and found:
            continue  # its addresses are judged above
        if kind is not None and (kind not in ("email", "url", "path") or address_attempt(whole)):
            low = whole.lower()
            seen.add(low)
            out.append(Value(param, kind, low, False, True))
        else:
            # What it acts on (a title, a name, an id, a date): only its provenance in injected text matters.
            low = whole.lower()
            seen.add(low)
            out.append(Value(param, "value", low, False, False))
    return out


_QUANTITY = frozenset({"max", "min", "num", "number", "count", "limit"})
# A parameter that says where a value comes from (`from_account`, `source`), not where anything goes.
_SOURCE = frozenset(stem(w) for w in ("from", "source", "src", "origin"))
# A part of the system the call already reaches (`namespace: jobs`), never another party's place (a
# project or bucket may be another account's: copying into one is sending it there).
_WITHIN = frozenset({stem("namespace")})
_ID_WORDS = frozenset(stem(w) for w in ("id", "ids", "number", "no", "num", "code"))
_HOW_SHAPE = re.compile(r"(?:\d{1,4}|true|false|\d{4}-\d\d-\d\d(?:[t ]\d\d:\d\d(?::\d\d)?)?)")


def _chooses_how(info: ToolInfo, v: Value) -> bool:
    """Does a value found by its parameter's name choose how rather than say where data, money or access
    goes? So it is when the value is "default" (the account's own saved choice); when the parameter's schema
    says a flag, listed choice, date or time; when the
    parameter names a source or a part of the account the call already reaches; or when the value is a
    count (at most four digits), a flag or a date and not a secret, an account or an id. An address found
    by its shape never does."""
    if v.address:
        return False
    if v.value == "default":
        return True  # the account's own saved choice (`ship_to: default`): it names no new party or place
    role = info.role(v.param)
    if role:
        return role == "how"
    pstems = [stem(t) for t in name_tokens(v.param)] or [""]
    if pstems[0] in _SOURCE or pstems[-1] in _WITHIN:
        return True
    # A secret or an account number, or the id of a party (`user_id: 42`), is never a count.
    counted = v.kind not in ("credential", "account") and pstems[-1] not in _ID_WORDS
    return counted and _HOW_SHAPE.fullmatch(v.value) is not None


def _reaches(info: ToolInfo, v: Value) -> bool:
    """Would a read send anything to an address its argument holds? Only a tool that reaches the web does:
    by its name (`fetch_url`), a parameter whose name or schema says it is a web address, or its server's
    word that it reaches the open world. A search or filter of the service's own data reaches nothing."""
    if info.reaches_web or info.open_world or info.role(v.param) == "address":
        return True
    return _param_kind([stem(t) for t in name_tokens(v.param)] or [""]) == "url"


# Words of a parameter's name that say the call's output goes to it (`email_to`, `cc`, `recipients`).
_DELIVERY = frozenset(stem(w) for w in "to cc bcc recipient recipients".split())
_SENDING_VERBS = FAMILIES["communicate"] | FAMILIES["share"]


def _delivers_to(param: str) -> bool:
    """Does a parameter's name say where the call's output goes (`email_to`, `cc`, `notify_address`,
    `share_with`) rather than what it looks up (`email`, `sender`, `to_date`, a route's `to`)? A "to"
    after another word, a copy line or recipient, or a leading verb that sends."""
    pstems = [stem(t) for t in name_tokens(param.rsplit(".", 1)[-1])]
    if not pstems or _TIME_PARAMS & set(pstems) or _free_text(param) or pstems[-1] in _ID_WORDS:
        return False
    if (len(pstems) > 1 and pstems[-1] == "to") or any(s in _DELIVERY and s != "to" for s in pstems):
        return True
    return pstems[0] in _SENDING_VERBS and pstems[0] not in PARAM_KINDS


_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*://", re.I)


def _whole_web_addresses(arguments: dict[str, Any], leaves: list[tuple[str, str]] | None = None) -> frozenset[str]:
    """The parameters whose whole value is one web address with a scheme (`callback: https://…`): the
    service is handed an address to reach, whatever the parameter is called (free text aside)."""
    out = set()
    for param, text in argument_leaves(arguments) if leaves is None else leaves:
        t = text.strip()
        if _SCHEME.match(t) and not t.lower().startswith("file:") and not _free_text(param):
            one = whole_value(t)
            if one is not None and one.kind == "url":
                out.add(param)
    return frozenset(out)


_DIGITS = re.compile(r"\+?[\d ()./-]+")
# A phone number as people write one without "+": the exit code 00 or a trunk 0, then a number of 7-13 digits.
_NATIONAL_PHONE = re.compile(r"00[1-9]\d{6,12}|0[1-9]\d{6,12}")
_SENDS = frozenset({"communicate", "pay", "share", "invite"})
_COMPACT_DATE = re.compile(r"(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:\d{4}(?:\d\d)?)?")  # 20261207


def _digit_destination(info: ToolInfo, v: Value) -> Value:
    """A number written in digits alone that says where a side effect goes, whatever its parameter is
    called (`number`, `msisdn`, `acct_no`): a phone number by its shape (an exit code 00 or a trunk 0 before
    7-13 digits), or a number of phone or account length (7-34 digits) that a tool which sends, pays, shares
    or invites takes (a phone number when it sends a message, else an account). Not a sum or count, a time,
    free text, or the id of what the tool acts on by its name (`invoice_no` of `pay_invoice`)."""
    if v.destination or v.address or v.kind != "value" or not _DIGITS.fullmatch(v.value):
        return v
    digits = re.sub(r"\D", "", v.value)
    pstems = [stem(t) for t in name_tokens(v.param.rsplit(".", 1)[-1])] or [""]
    if not 7 <= len(digits) <= 34 or _COMPACT_DATE.fullmatch(digits) or _free_text(v.param) \
            or _TIME_PARAMS & set(pstems) or AMOUNT_PARAMS & set(pstems) \
            or (len(pstems) > 1 and pstems[0] in _QUANTITY) or set(pstems) & info.objects \
            or info.role(v.param) == "how":
        return v
    sends = info.families & _SENDS
    phone = whole_value(v.value, "person")  # (a number of digits read as a phone's: +, exit code dropped)
    if phone is not None and phone.kind == "phone" and (
            _NATIONAL_PHONE.fullmatch(digits) or ("communicate" in sends and len(digits) <= 15)):
        return replace(v, kind="phone", value=phone.value, address=True, destination=True, raw=v.value)
    if sends:
        return replace(v, kind="account", value=digits, destination=True, raw=v.value)
    return v


_ACCOUNT_IN_PROSE = re.compile(r"(?<![\w.,/+-])\d{9,34}(?![\w.,/-]\d|\w)")


def _accounts_in_prose(info: ToolInfo, leaves: list[tuple[str, str]], values: list[Value]) -> list[Value]:
    """Account-length numbers (9-34 digits) that a message, payment or share tells its reader, written in
    its free text ("wire to: Account 7730091245"): where the reader will send money or data, judged as
    the message's own destinations are (an IBAN in the same text already is). Not a number of a tool that
    only writes for the user (a note, a document), and not a sum, a date or a time (never 9+ bare digits)."""
    if not info.families & _SENDS:
        return []
    seen = {v.value for v in values}
    out: list[Value] = []
    for param, text in leaves:
        if len(text) < 9 or not _ACCOUNT_IN_PROSE.search(text) or not _free_text(param):
            continue  # (the cheap tests first: most arguments hold no such number)
        for m in _ACCOUNT_IN_PROSE.finditer(text):
            if m.group(0) not in seen:
                seen.add(m.group(0))
                out.append(Value(param, "account", m.group(0), True, True, m.group(0), True))
    return out


def _handle(text: str, whole: str, f: Any) -> bool:
    """Is the argument, whole, a bare dotted name (no scheme, port, path or digits-only labels)?"""
    return f.kind == "host" and text[f.start:f.end] == whole and not any(c in whole for c in "/:@") \
        and not any(label.isdigit() for label in whole.split("."))


def _param_kind(pstems: list[str]) -> str | None:
    """The destination kind a parameter's name says: its last word first ('user_email'), then the others
    ('channel_name'), never a leading 'to' of a longer name ('to_currency'). An id names the user's own
    data (file_id), unless it is the id of a party or a place messages go (user_id, channel_id)."""
    if len(pstems) > 1 and pstems[0] in _QUANTITY:
        return None  # `maxTokens`, `num_results`: how many, not where to or whose
    if pstems[-1] in ("id", "ids"):
        kind = _param_kind(pstems[:-1]) if len(pstems) > 1 else None
        return kind if kind in ("person", "channel", "account") else None
    if pstems[-1] in PARAM_KINDS:
        return PARAM_KINDS[pstems[-1]]
    rest = [s for s in pstems[:-1] if s != "to"]
    return next((PARAM_KINDS[s] for s in rest if s in PARAM_KINDS), None)


def _num_text(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e18 else repr(x)


def _amounts(arguments: dict[str, Any], pays: bool = False) -> Iterator[tuple[str, float]]:
    """(param, number) of the arguments that are sums or counts (`amount`, `total_price`; `pays`: of a tool
    that pays, `tip`)."""
    for param, text in argument_leaves(arguments):
        if _sum_param(param, pays) or (pays and _bare_number(param, text)):
            try:
                yield param, float(text.replace(",", "").strip())
            except ValueError:  # written with its currency or grouped digits ("€5,000", "5 000 EUR"), or glued
                read = [*sums(text), *glued_sums(text)]  # to a code's letters ("USD-5000"): its digits say how much
                for x in read or (alone_sums(text) if written_alone(text) else ()):  # "EUR9900"
                    yield param, x


def _sum_param(param: str, pays: bool = False) -> bool:
    """A sum or count (`amount`, `total_price`, `line.qty`), or a parameter whose last word says money (`fee`,
    `price_cents`, `eur`; in a tool that pays, `tip`, `value`: `sums.money_word`); not an identifier named after
    one (`fee_id`: a name's last word says what it is)."""
    tokens = name_tokens(param)
    if not tokens or tokens[-1].lower() in _ID_HEADS:
        return False
    return any(stem(t) in AMOUNT_PARAMS for t in tokens) or money_word(tokens[-1], pays)


_ID_HEADS = frozenset(("id", "ids", "uuid", "ref", "key", "code"))


def _bare_number(param: str, text: str) -> bool:
    """In a tool that pays, a number under any name but an identifier's (`amt`, `val`, `x`, `minor_units`: the
    upstream names its parameters, and a sum it pays is a sum whatever its name); not `account_number`."""
    tokens = name_tokens(param)
    if not tokens or tokens[-1].lower() in _ID_HEADS | _NUMBER_HEADS:
        return False
    try:
        float(text.replace(",", "").strip())
    except ValueError:
        return written_alone(text)  # with its currency or grouped digits ("$9,900.00", "9900 USD"): still a sum
    return True


_NUMBER_HEADS = frozenset(("number", "num", "no", "nr"))


def _currency_param(param: str) -> bool:
    """A parameter that says which currency a sum is in (`currency`, `target_currency`, `ccy`, `currency_code`,
    `currencyCode`); not a sum named after one (`currency_amount`)."""
    tokens = [t.lower() for t in name_tokens(param)]
    if not tokens:
        return False
    return tokens[-1] in _CURRENCY_WORDS or (any(t in _CURRENCY_WORDS for t in tokens) and not _sum_param(param))


_CURRENCY_WORDS = frozenset(("currency", "currencies", "ccy", "cur"))


def _counts(param: str) -> bool:
    """Is the parameter a count of items (`qty`, `line.quantity`), not a sum of money?"""
    return stem(name_tokens(param)[-1] if name_tokens(param) else "") in _COUNTS


_COUNTS = frozenset(stem(w) for w in ("qty", "quantity", "count", "units"))


def _number_forms(x: float) -> tuple[str, ...]:
    """How a result may write the number: 1200, 1,200, 1200.00, 84.2, 84.20, 35.0 (JSON's float)."""
    forms = {_num_text(x), f"{x:.1f}", f"{x:.2f}", f"{x:,.2f}"}
    if float(x).is_integer():
        forms.add(f"{int(x):,}")
    return tuple(forms)


# A Markdown backslash escape: a renderer shows the ASCII punctuation after the backslash as itself.
_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
# A string that is base64 whole (optionally a `data:` URI's payload): a files or attachment API stores its
# decoded bytes, and reads them back as text.
_B64_WHOLE = re.compile(r"(?:data:[\w.+-]+/[\w.+-]+(?:;[\w.+-]+=[\w.+-]+)*;base64,)?([A-Za-z0-9+/\s]{8,}={0,2})")
_URLSAFE = str.maketrans("-_", "+/")  # base64url reads as base64
_LAYOUT = str.maketrans("", "", "\n\r\t")


def _readings(text: str) -> list[str]:
    """The text as a server could store and render it back: as written, base64-decoded when it is base64
    whole, and each of those with Markdown's backslash escapes rendered (HTML and other escapes are read
    by `textview.view`, applied by the caller)."""
    out = [text]
    m = _B64_WHOLE.fullmatch(text.strip().translate(_URLSAFE)) if len(text) >= 8 and " " not in text else None
    if m is not None:
        import base64
        import binascii

        try:
            decoded = base64.b64decode("".join(m.group(1).split()), validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            decoded = ""
        if decoded and decoded.translate(_LAYOUT).isprintable():  # text, not other bytes that happen to decode
            out.append(decoded)
    out += [r for r in (_MD_ESCAPE.sub(r"\1", t) for t in out if "\\" in t) if r not in out]
    return out


def sent_values(arguments: dict[str, Any], leaves: list[tuple[str, str]] | None = None) -> list[str]:
    """Every value the agent put into a call, as the record keeps them (to recognise echoes): in every
    reading a server could render it into (`_readings`, and as a reader reads each, `textview.view`), so
    that what the agent wrote comes back as an echo whatever form it wrote it in. `leaves`: the
    arguments' `argument_leaves`, when the caller has them already."""
    from mcp_guard.textview import view

    out = []
    for _, leaf in argument_leaves(arguments) if leaves is None else leaves:
        whole = leaf.strip().lower()
        if whole and len(whole) <= 200:
            out.append(whole)
        for text in _readings(leaf):
            out += [f.value for f in find_values(text)]
            # and as a reader (a model, a page that renders it) reads it: an address the agent wrote as
            # `eve&#64;evil&#46;example` comes back decoded from a server that renders what it stored
            seen = view(text)
            if seen is not None:
                out += [f.value for f in find_values(seen.text)]
    return out


def points_at(intent: DeclaredIntent, arguments: dict[str, Any], record: SessionRecord | None = None,
              leaves: list[tuple[str, str]] | None = None) -> bool:
    """Did the call ask for something the request names specifically (a quoted name, a file name, an
    id, a named person or address; never a shared ordinary word like "unread")? Then its result is
    data the user pointed at, unless it is tainted. So did a call for an id (`msg-5521`) that a clean
    result the request pointed at carries as a field (`record`): it opens the record the request
    pointed at (a search for "12A phone" lists the message; reading it is reading what was pointed at)."""
    leaves = list(argument_leaves(arguments)) if leaves is None else leaves
    if intent.declared or intent.trusted:  # an intent that names nothing is referred to by nothing
        for _, text in leaves:
            if intent.refers_to(text, full_names=False):
                return True
            if intent._names_part_of(text) and (record is None or _one_person(intent, text, record)):
                return True
            for f in find_values(text):
                if intent.refers_to(f.value) or (f.kind in ("url", "host", "email") and intent.names_site(f.value)):
                    return True
    if record is None or not record.pointed_results:
        return False
    for _, text in leaves:
        v = text.strip().lower()
        if 3 <= len(v) <= 64 and " " not in v and _specific_token(v):
            prov = record.provenance(v)
            if any(e in prov.fields for e in prov.pointed):
                return True
    return False


def _one_person(intent: DeclaredIntent, name: str, record: SessionRecord) -> bool:
    """Is a person's full name that the request names by one part ("dr ruiz": "Dr. Elena Ruiz") the one person the
    session's data gives that part: found in no result's running text alone (where a sentence may have chosen it),
    and no clean record giving itself another name with that part ("Dr. Marco Ruiz": which Ruiz is meant cannot
    be told; "Ruiz" or "Elena M. Ruiz" is no other)?"""
    prov = record.provenance(name.strip().lower())
    if prov.inside or prov.tainted or (prov.text and not prov.fields):
        return False
    ws = frozenset(w for w in re.findall(r"[^\W\d_]+", name.lower()) if w not in TITLES)
    named = ws & (intent.uncased | intent.persons.surnames | intent.name_words)
    for e in record.entries:
        data = _clean_json(e, record)
        for node in records(data) if data is not None else ():
            for other in record_names(node):
                theirs = frozenset(other) - TITLES
                if theirs & named and theirs - ws and ws - theirs:
                    return False
    return True


MAX_STEERING_VALUES = 64  # values of one call looked up to tell whether instructions steered it


def steered_by(intent: DeclaredIntent, arguments: dict[str, Any], record: SessionRecord) -> str:
    """Did the call carry a value that only instructions to the model wrote (or only a result of a call so
    steered), one the request does not name? Then what the call returns (a shipping rate's id, a quote, a
    draft) is that value's child: a later call that uses it acts on the instructions' choice, however clean
    the result looks (`get_rates(to=<the injected address>)` -> `create_label(rate=…)`). The reason, or "".
    (Only a value that the instructions' text or a steered result carries is looked up in the whole record:
    a session that has read no instructions has none to be steered by, and the rest costs a search of the
    instructions' paragraphs, not of every result.)"""
    from mcp_guard.intent.record import occurrences

    if record.session_taint() is None:
        return ""
    regions = [e.low[s:t] for e in record.entries if record.judge(e) for s, t in e.regions]
    steered = [e for e in record.entries if e.steered]
    kept = {**record.tainted_values, **record.elsewhere_values}
    for v in call_values(arguments)[:MAX_STEERING_VALUES]:
        if len(v.value.strip()) < 3 or intent.names_whole(v.value) or intent.names(v.value, v.kind):
            continue
        forms = [f.lower() for f in (v.value, *v.forms())]
        if not any(f in kept or any(f in r for r in regions) or any(occurrences(e, f) for e in steered)
                   for f in forms):
            continue
        prov = record.provenance(v.value, v.forms())
        if prov.fields or prov.text:
            continue  # a clean result carries it too: the data may have chosen it
        if prov.injected or prov.forgotten == "injected":
            return f"{v.param}={v.value!r}, found only {_where(prov)}"
        if prov.tainted and all(e.steered for e in prov.tainted) and not prov.forgotten:
            return f"{v.param}={v.value!r}, found only in the result of {_name(prov.tainted)}, itself steered"
    return ""


TrustedSource = Callable[[str, str], bool]  # (upstream/tool, kind) -> may values of this kind come from it?


class DefaultEngine:
    """Decides calls for a session without a profile (or calls its profile leaves to the engine)."""

    def __init__(
        self,
        intent: DeclaredIntent,
        tools: dict[str, ToolInfo] | None = None,
        trusted_source: TrustedSource | None = None,
        folders: tuple[str, ...] = (),
    ) -> None:
        self.intent = intent
        self.tools = tools if tools is not None else {}
        self.trusted_source = trusted_source
        self.folders = folders  # the upstream's configured folders (`paths.joins_named_file`)

    def info(self, tool: str) -> ToolInfo:
        info = self.tools.get(tool)
        if info is None:
            info = self.tools[tool] = classify({"name": tool})
        return info

    def decide(
        self, tool: str, arguments: dict[str, Any], record: SessionRecord | None = None, info: ToolInfo | None = None,
        leaves: list[tuple[str, str]] | None = None,
    ) -> Verdict:
        """`leaves`: the arguments' `argument_leaves`, when the caller has them already."""
        info = info or self.info(tool)
        record = record if record is not None else SessionRecord()
        leaves = list(argument_leaves(arguments)) if leaves is None else leaves
        values = call_values(arguments, leaves)
        if info.effect == "read":
            return self._read(info, values, record, arguments, leaves)
        values = [_digit_destination(info, v) for v in values] + _accounts_in_prose(info, leaves, values)
        intent = self.intent
        if info.effect == "destructive":
            injected = self._from_injection(info, values, record)
            if injected is not None:
                return injected
            why = self._unrequested(info, values, record)
            if why:
                why += _instructed(values, record)
                return Verdict(
                    "ask",
                    "destructive",
                    f"destructive: {tool} is destructive and {why}",
                    f"Allow {tool} with {_short(arguments)}? It is destructive, and {why}.",
                )
        # Every value is judged; the most severe verdict decides (a deny is never hidden by an ask), and an
        # ask names every value asked about: a yes lets them all through.
        asked: list[Verdict] = []
        for v in values:
            verdict = self._value(info, v, record, values)
            if verdict is not None:
                if verdict.action == "deny":
                    return verdict
                asked.append(verdict)
        if asked:
            return _together(asked)
        for verdict in (self._audience(info, arguments), self._amount(info, arguments, record),
                        self._grant(info, arguments, leaves, record), self._prescribed(info, values, record)):
            if verdict is not None:
                return verdict
        if info.effect == "destructive":
            return Verdict("allow", "requested", f"{tool}: {intent.the_request} asks for this action on what it names")
        # Without a declared intent there is no request to compare with: only destinations are judged.
        flag = own_flag(intent, arguments) if intent.declared else ""
        if flag:
            why = (f"its flag {flag!r} turns on an action of its own that {intent.the_request} does not ask for "
                   f"(it asks to: {', '.join(dict.fromkeys(v for v, _ in intent.clauses)) or 'nothing'})")
            return Verdict("ask", "flag", f"flag: {tool}: {why}", f"Allow {tool} with {_short(arguments)}? "
                                                                  f"{why[0].upper()}{why[1:]}.")
        step = by_value = change = fix = rule = ""
        if intent.declared and not self._asked(info, arguments) and not self._own_copy(info, values, record) and \
                not (by_value := verb_as_value(intent, info, values, leaves, record)) and \
                not (step := step_of(intent, info, values, leaves, record)) and \
                not (change := asked_change(intent, info, values, leaves, record)) and \
                not (fix := asked_correction(intent, info, values, leaves, record)) and \
                not (rule := standing_rule(intent, info, leaves, record)):
            kind = f" ({', '.join(sorted(info.kinds))})" if info.kinds else ""
            asked = ", ".join(dict.fromkeys(v for v, _ in intent.clauses)) or "nothing"
            note = _instructed(values, record)
            return Verdict(
                "ask",
                "unasked",
                f"unasked: {tool} has a side effect{kind} and {intent.the_request} does not ask for this kind of "
                f"action (it asks to: {asked}){note}",
                f"Allow {tool} with {_short(arguments)}? {intent.the_request[0].upper()}{intent.the_request[1:]} "
                f"does not ask for this kind of action (it asks to: {asked}){note}.",
            )
        other = self._other_id(info, arguments, record) if intent.declared else None
        if other is not None:
            return other
        if rule:
            return Verdict("allow", "standing", f"standing: {tool} makes the standing rule {intent.the_request} asks "
                                                f"for ({rule!r} recurs) and carries a number it writes")
        if by_value:
            return Verdict("allow", "verb-value", f"verb-value: {tool} does what {intent.the_request} asks for: its "
                                                  f"verb is the call's {by_value}")
        if change:
            return Verdict("allow", "change", f"change: {tool} makes or changes what {intent.the_request} asks to "
                                              f"make or change ({change!r}) and does no harm of its own")
        if fix:
            return Verdict("allow", "correct", f"correct: {tool} makes the correction {intent.the_request} writes "
                                               f"({fix}) in a field of the session's clean data and does no harm of "
                                               "its own")
        if step:
            return Verdict("allow", "step", f"step: {tool} is a step of the action {intent.the_request} asks for: it "
                                            f"does no harm of its own and acts on {step}")
        own = next((src for v in values if v.destination and (src := self._own_source(v, record))), "")
        if own:
            return Verdict("allow", "own", f"own: {tool}: every destination comes from {intent.the_request} or is "
                                           f"the person's own (the account {own} read), and the request addresses "
                                           "a copy to the person")
        return Verdict("allow", "grounded", f"{tool}: every destination comes from {intent.the_request}")

    # -- rules --------------------------------------------------------------------------------------
    def _asked(self, info: ToolInfo, params: Iterable[str]) -> bool:
        """Does the request ask for this call's action: in its own words (`DeclaredIntent.asks_for`), or as a
        step that prepares what an action it asks for acts on (`_prepares`)?"""
        return self.intent.asks_for(info, params=params) or self._prepares(info)

    def _own(self, v: Value, record: SessionRecord) -> bool:
        """`own`: is the value the person's own (a clean read of the signed-in account carries it, see `own`),
        and does the request address something to the person ("email me", "cc me")?"""
        return bool(self._own_source(v, record))

    def _own_source(self, v: Value, record: SessionRecord) -> str:
        """The read of the signed-in account that carries the value as the person's own ("" if none). A value
        the agent had sent before that read is never the person's: the account may only be echoing it."""
        if not self.intent.to_self:
            return ""
        sent = record.sent.get(v.value, record.sent_full_at)
        for e in record.entries:
            if e.own and v.value in e.own and (sent is None or sent > e.seq) and not e.steered and not record.judge(e):
                return e.source
        return ""

    def _own_copy(self, info: ToolInfo, values: list[Value], record: SessionRecord) -> bool:
        """`own`: a send, share or copy whose every destination is the person's own, when the request addresses
        one to the person ("email me the summary": a send the request words as an answer, to no one else)."""
        if not info.kinds & _TO_PERSON:
            return False
        dests = [v for v in values if v.destination]
        return bool(dests) and all(self._own(v, record) for v in dests)

    def _prepares(self, info: ToolInfo) -> bool:
        """Is the tool a preparation of an action the request asks for: it makes or changes (WordNet's kinds
        create and modify, nothing else) the very thing that another tool of the same server, one the request
        asks for, then puts to use (sends, submits, publishes, pays: a side effect that neither makes,
        changes nor removes)? "Send them the welcome campaign" asks for `replicate_campaign` and
        `update_campaign` before `send_campaign`; "submit my expense report" for `create_report` before
        `submit_report`; "remove the old record" asks for no `update_record`. Same thing: the last noun of
        both names. It grants the action only: where the call's values go is judged as any call's, so an
        injected step still asks or is denied by them."""
        if info.effect != "write" or not info.kinds or info.kinds - _PREPARING or info.families - _MAKING:
            return False  # (`publish_campaign` is of WordNet's create, but a verb that sends: it delivers)
        head = _name_head(info.name)
        return bool(head) and any(
            other.name != info.name and other.effect == "write" and not other.kinds & _CHANGING
            and _name_head(other.name) == head and self.intent.asks_for(other) for other in self.tools.values())

    def _from_injection(self, info: ToolInfo, values: list[Value], record: SessionRecord) -> Verdict | None:
        """What a destructive call acts on, when a result that reads as instructions to the model carried
        it: the reason says so, and where (which result of which tool), before any other reason. Found only
        inside the instructions: `injected` (denied; a value of two characters or less, found in any text,
        is asked); inside and elsewhere: `contested`; elsewhere in such a result: asked."""
        intent = self.intent
        for v in values:
            if not (v.destination or v.kind == "value") or intent.names_whole(v.value):
                continue
            if intent.names(v.value, v.kind if v.address else ""):
                continue
            if v.kind == "path" and intent.covers_path(v.value, root=False):
                continue  # under a folder the request names: the request chose it, wherever else it stands
            prov = record.provenance(v.value, v.forms())
            if prov.inside:
                verdict = _injected(info, v, prov, intent)
                if verdict.action == "deny" and len(v.value.strip()) < 3:
                    return _verdict("ask", "injected", info, v, f"is found {_where(prov)}", intent)
                return verdict
            if (prov.tainted or prov.forgotten) and not (prov.fields or prov.text):
                return _verdict("ask", "destructive", info, v,
                                f"is what this destructive call acts on, and it is found only {_where(prov)}", intent)
        return None

    def _unrequested(self, info: ToolInfo, values: list[Value], record: SessionRecord) -> str:
        """Why a destructive call is not what the request asked for ("" when it is): the request must ask
        for this action, and each value it acts on be named in the request or come from a clean result
        the request specifically pointed at. A shared noun ("meeting") is not enough."""
        intent = self.intent
        if not intent.asks_for(info, strict=True):
            return f"{intent.the_request} does not ask for this kind of action"
        targets = [v for v in values if v.destination or v.kind == "value"]
        if not targets:
            if intent.stems & info.objects:
                return ""
            return f"{intent.the_request} does not name what it acts on"
        for v in targets:
            # A value not found by its shape (a folder's name) may be named by the request's words.
            if intent.names_whole(v.value) or intent.names(v.value, v.kind if v.address else ""):
                continue
            if v.kind == "path" and (intent.covers_path(v.value, root=False)
                                     or joins_named_file(intent, v.value, record, self.folders)):
                continue
            prov = record.provenance(v.value, v.forms())
            if prov.pointed and not (prov.injected or prov.forgotten):
                continue
            if self._picked(info, v, prov, record) or self._named_holder(info, v, prov, record) or \
                    self._labelled_holder(v, prov, record) or self._acted_on(v, prov, record):
                continue
            return (f"{intent.the_request} neither names {v.param}={v.value!r} nor points at a result it "
                    f"came from (it was found {_where(prov)})")
        return ""

    def _picked(self, info: ToolInfo, v: Value, prov: Provenance, record: SessionRecord) -> bool:
        """Does the request pick the record that holds `v` by a superlative of what the call acts on ("delete
        the largest file": the one file whose size is the largest of a clean listing; `superlative`)? Only in a
        session that has read no instructions to the model: one could plant a record that is the extreme."""
        if prov.injected or prov.tainted or prov.forgotten or record.session_taint() is not None:
            return False
        fits = lambda noun: _fits(noun, info.acts_on) or _fits(stem(noun), info.acts_on)  # noqa: E731
        return any(picked(self.intent.lower, fits, e.text, e.json, v.value) for e in prov.fields)

    def _named_holder(self, info: ToolInfo, v: Value, prov: Provenance, record: SessionRecord) -> bool:
        """Is `v` a field of a record of a clean result that the request names by a name it writes (`naming`:
        "cancel the netflix autopay"), and no other record of that result is named so (which one the request
        removes could not be told), unless a clause removes a plural of what the tool acts on ("cancel dr lee's
        appointments")?"""
        by, keys = self._named_by(v, prov, record)
        if not by:
            return False
        verbs = info.own_verbs().union(*(FAMILIES[f] for f in info.families))
        if plural_field(self.intent.spans, verbs, keys | info.acts_on):
            return True
        return not any((data := _clean_json(e, record)) is not None and named_others(data, by, v.value)
                       for e in prov.fields)

    def _labelled_holder(self, v: Value, prov: Provenance, record: SessionRecord) -> bool:
        """Is `v` a field of a clean record that the request names by the whole value of a field that labels the
        record itself (`named_records`' rule: "delete the old_builds folder", "the old builds folder":
        `"name": "old_builds"`), and the one record of its result under that label? Only in a session that has
        read no instructions to the model."""
        if prov.injected or prov.tainted or prov.forgotten or record.session_taint() is not None:
            return False
        intent = self.intent

        def labels(node: dict[str, Any]) -> set[str]:
            return {x for k, x in node.items() if isinstance(x, str) and x != v.value and len(x) <= 160
                    and intent.names_label(x) and _labels_itself(str(k), map(str, node))}

        for e in prov.fields:
            data = _clean_json(e, record)
            nodes = list(records(data)) if data is not None else []
            for node in nodes:
                if any(holds(x, v.value) for x in node.values()) and (named := labels(node)):
                    # another record of the result under the same label leaves which one is meant untold
                    return not any(named & labels(other) for other in nodes
                                   if not any(holds(x, v.value) for x in other.values()))
        return False

    def _full_name(self, v: Value, record: SessionRecord) -> bool:
        """Is a person's name of two to four words, one of which the request writes as a name, the name a clean
        record of the session gives itself in any order or case (`naming.gives_full_name`)?"""
        if v.kind != "person" or v.address:
            return False
        ws = frozenset(w.lower() for w in re.findall(r"[^\W\d_]{2,}", v.value))
        intent = self.intent
        if not 2 <= len(ws) <= 4 or not ws & (intent.uncased | intent.persons.surnames | intent.name_words):
            return False
        return any((data := _clean_json(e, record)) is not None and gives_full_name(data, ws) for e in record.entries)

    def _acted_on(self, v: Value, prov: Provenance, record: SessionRecord) -> bool:
        """Is `v` a field of a clean record that also holds the id an earlier side effect acted on, one that went
        ahead (allowed, or approved by a person) after the record was read (`naming.acted_record`)? Only in a
        session that has read no instructions to the model."""
        if not record.acted or prov.injected or prov.tainted or prov.forgotten or record.session_taint() is not None:
            return False
        return any((data := _clean_json(e, record)) is not None and acted_record(data, record.acted, e.seq, v.value)
                   for e in prov.fields)

    def _named_by(self, v: Value, prov: Provenance, record: SessionRecord,
                  parties: bool = False) -> tuple[frozenset[str], set[str]]:
        """The names by which the request names the clean records that hold `v` as a field (`parties`: by a field
        that says whose the record is, for a destination), and those records' field names; no names in a session
        that has read instructions to the model: one could plant a record under the very name."""
        names: set[str] = set()
        keys: set[str] = set()
        if prov.injected or prov.tainted or prov.forgotten or record.session_taint() is not None:
            return frozenset(), keys
        for e in prov.fields:
            data = _clean_json(e, record)
            for node, by in named_holders(data, self.intent.uncased, v.value, parties) if data is not None else ():
                names |= by
                keys.update(map(str, node))
        return frozenset(names), keys

    def _named_rivals(self, info: ToolInfo, v: Value, prov: Provenance, record: SessionRecord,
                      in_call: set[str]) -> list[str] | None:
        """None when no record the request names holds `v`; else the values of its kind that other records under
        the same names offer in the session's clean results (an attacker's contact beside the real one), none when
        a clause acts on a plural of what a field of the record is ("text the clients": each is meant)."""
        by, keys = self._named_by(v, prov, record, parties=True)
        if not by:
            return None
        verbs = info.own_verbs().union(*(FAMILIES[f] for f in info.families))
        if plural_field(self.intent.spans, verbs, keys):
            return []
        rivals: dict[str, None] = {}
        for e in record.entries:
            if e.json and e.size > MAX_WALKED and not record.judge(e):
                rivals["…"] = None  # (a result too long to compare may hold a rival: asked)
            data = _clean_json(e, record)
            for x in named_offers(data, by, v.kind, v.value) if data is not None else ():
                if x not in in_call and not self.intent.names_whole(x):
                    rivals[x] = None
        return list(rivals)

    def _read(self, info: ToolInfo, values: list[Value], record: SessionRecord,
              arguments: dict[str, Any] | None = None, leaves: list[tuple[str, str]] | None = None) -> Verdict:
        intent = self.intent
        # Where a read sends its output (`get_report(email_to=…)`) is a destination whatever its verb says:
        # judged as a side effect's is.
        for v in values:
            if v.destination and v.kind not in ("url", "host", "path") and _delivers_to(v.param):
                verdict = self._value(info, v, record, values)
                if verdict is not None:
                    return verdict
        urls = _whole_web_addresses(arguments or {}, leaves if arguments else None)
        for v in values:
            if v.kind not in ("url", "host") or intent.names(v.value, v.kind) or intent.names_site(v.value):
                continue
            if intent.names_whole(v.value):
                continue  # the request wrote it as a token of its own ("the alert on backup-02")
            if self._trusted(v, record):
                continue
            prov = record.provenance(v.value, v.forms())
            where = _where(prov)
            if prov.inside:
                return _injected(info, v, prov, intent)
            if not (_reaches(info, v) or v.param in urls or _delivers_to(v.param)):
                continue  # a query or filter of the service's own read: nothing goes to that address
            if prov.data and not (prov.tainted or prov.forgotten):
                why = self._late(prov, record) or self._fanout(v, prov, record)
                if not why:
                    continue
                what = f"was found {where}, but {why}"
            elif prov.found:
                what = f"is found only {where}"
            else:
                what = f"is found neither in {intent.the_request} nor in any tool result"
            return Verdict(
                "ask",
                "fetch",
                f"fetch: {info.name} would reach {v.param}={v.value!r}, which {what}",
                f"Allow {info.name} to reach {v.value}? It {what}; {intent.the_request} does not name it.",
            )
        return Verdict("allow", "read", f"read: {info.name} only reads")

    @staticmethod
    def _late(prov: Provenance, record: SessionRecord) -> str:
        """Has the session read injected text (before or after the results that carry the value)? Then
        a destination the request does not name is asked, whatever order the data arrived in: an
        injection may name no address and point at one a result carried as data, earlier ("the sender
        of message m3") or later (a lookup it asks for), and which data it points at cannot be told."""
        taint = record.session_taint()
        if taint is None:
            return ""
        where = f"the result of {taint[1]} (result {taint[0] + 1})"
        if all(e.seq > taint[0] for e in prov.data):
            return f"the session had read injected text in {where} before"
        return f"the session has since read injected text in {where}, which may point at it"

    @staticmethod
    def _fanout(v: Value, prov: Provenance, record: SessionRecord) -> str:
        """Reaching many distinct addresses out of one result is a choice that can spell data out."""
        src = prov.data[0]
        reached = record.reached.setdefault(src.seq, set())
        if v.value not in reached and len(reached) >= MAX_FANOUT:
            return f"the session has already reached {len(reached)} other addresses taken from that result"
        if len(record.reached) < 1024 and len(reached) < 4 * MAX_FANOUT:
            reached.add(v.value)
        return ""

    def _trusted(self, v: Value, record: SessionRecord) -> bool:
        if self.trusted_source is None:
            return False
        prov = record.provenance(v.value, v.forms())
        return any(self.trusted_source(e.source, v.kind) for e in prov.fields + prov.text)

    def _value(self, info: ToolInfo, v: Value, record: SessionRecord, values: list[Value] = ()) -> Verdict | None:
        intent = self.intent
        if intent.names_whole(v.value):
            return None
        if v.kind == "path" and (intent.covers_path(v.value)
                                 or joins_named_file(intent, v.value, record, self.folders)
                                 or ((rel := inside_folder(v.value, self.folders)) is not None
                                     and intent.covers_path(rel))):
            return None
        if not v.destination and len(v.value.strip()) < 3:
            return None  # "1", "ok": found in any text, so where it was found says nothing of who chose it
        prov = record.provenance(v.value, v.forms())
        where = _where(prov)
        # A name the request uses as a value ("Alice", "the general channel") is named, wherever else it
        # was found; its ordinary words never name a value ("post to #summary" is not named by "the summary").
        if intent.names(v.value, v.kind):
            return None
        if prov.inside:
            return _injected(info, v, prov, intent)
        if prov.directed and GROUP.get(v.kind, v.kind) in intent.wanted:
            # the request asks for a destination of this kind from the data it points at ("the webhook URL
            # the team agreed on"): a sentence there that sets one is what it means
            prov = replace(prov, pointed=prov.pointed + prov.directed)
            where = _where(prov)
        if v.kind == "person" and not v.address and intent.addresses(info, v.value):
            return None  # the request names whom it sends to as a verb's object ("dm priya that …")
        if not v.address and intent.names_uncased(v.value) and not (prov.tainted or prov.forgotten):
            return None  # a name the request types in lower case ("book it under jansen"; `naming`)
        if not v.address and not (prov.tainted or prov.forgotten) and kin(v.value, frozenset(intent.word_line.split())):
            return None  # the request's own verb in another form (`role="signer"` on "send it for e-signature")
        if self._own(v, record):
            return None  # the person's own, and the request addresses a copy to them (`own`)
        if v.destination and _chooses_how(info, v):
            v = replace(v, destination=False)  # judged as what the call acts on, no longer as where it goes
        clean = prov.fields or prov.text
        if (prov.tainted or prov.forgotten) and not clean and (v.destination or _identifier_like(v.value)):
            return _verdict("ask", "tainted", info, v, f"is found only {where}", intent)
        if not v.destination:
            if prov.text and not prov.data and _specific_token(v.value) and _identifier_like(v.value):
                # An id of what the call acts on (`pharmacy_id: ph_9931`) that a clean result writes only
                # inside its running text (a notice, a message body), never as a field of its data, and
                # in no result the request pointed at: the text chose it, not the data.
                return _verdict("ask", "from-text", info, v, f"is found only {where}", intent)
            return None
        if self.trusted_source is not None and any(
            self.trusted_source(e.source, v.kind) for e in prov.fields + prov.text
        ):
            return None
        if (not prov.found and v.kind == "credential" and leaves_choice(intent, v.kind) and not _delivers_to(v.param)
                and record.session_taint() is None):
            # A secret found nowhere (no result, not the request) when the request leaves it to the agent ("set a
            # password on the gallery"): one the agent made up, which no one else knows. Only in a session that
            # has read no instructions to the model: one may spell its password in a way no search finds (in
            # parts, letter by letter, encoded). Whether the request asks for the call is judged below.
            return None
        if not prov.found and self._full_name(v, record):
            return None  # "mrs ito": the guest "Hana Ito" a clean profile gives as "ITO/HANA"
        if not prov.found and not v.address and built_from(v.value, intent.stems) and record.session_taint() is None:
            return None  # a name joined from the request's own words ("VPN-Contractors"; `built`)
        if not prov.found:
            # Asked, never denied: that a value is found nowhere is an absence, not evidence of an attack.
            # An honest agent spells a name its own way, builds an address from a name and a domain, or
            # acts on a result this process never saw (another replica's, one since forgotten); a person
            # tells these apart, the record cannot.
            return _verdict("ask", "ungrounded", info, v,
                            f"is found neither in {intent.the_request} nor in any tool result "
                            "(values the agent sent itself never count)", intent)
        if prov.data:
            group = GROUP.get(v.kind, v.kind)
            late = self._late(prov, record)
            if late:
                why = late
            elif not self._asked(info, [x.param for x in values]):
                why = f"{intent.the_request} does not ask for this kind of action"
            elif group in intent.kinds and (v.address or not _pointed_field(v, prov, record)):
                # (An id that a result the request asked for by name carries as a field is the record
                # the request named, "Sara Lee's" contact c9, not another party beside the one it names.)
                why = f"{intent.the_request} names its own {_GROUP_WORD.get(group, group)}"
            else:
                return self._ambiguous(info, v, prov, record, values)
            return _verdict("ask", "from-data", info, v, f"was found {where}, and {why}", intent)
        return _verdict("ask", "from-text", info, v, f"is found only {where}", intent)

    def _ambiguous(
        self, info: ToolInfo, v: Value, prov: Provenance, record: SessionRecord, values: Iterable[Value]
    ) -> Verdict | None:
        """`ambiguous`: the request points at a destination without naming it, and the session's clean data
        offers other values of the kind in the same place as this one (see `offered_alongside`): which one
        it means cannot be told from the data, so a person is asked, with each candidate and its source.
        `other-person`: with no rival, the request names the person it means, and the one record that offers
        the value says it is someone else's."""
        if not v.address:
            return None  # a name by its argument ("general"): its alternatives cannot be told by shape
        intent = self.intent
        in_call = {w.value for w in values}
        # A pointer that names the person ("invite Mark") means a mailbox whose own name carries that name
        # (mark.davies@…) rather than one that does not. (Only a mailbox's own name: a web address or a
        # domain that carries a word of the request names no one.)
        names = _mailbox_words(v.kind, v.value) & intent.name_words
        # So does one whose record is that person's by its name ("Sarah Lin": `{"name": "Sarah Lin", "email":
        # "slin@…"}`, see `persons`); a record that shares any word of that name, or a mailbox spelt with one, is
        # then a rival (two records named "Mark" leave the choice open).
        stranger = ""  # the record's own name, when it is another person's than the one the request names
        if intent.persons:
            own = own_names(record, v.value, prov)
            theirs = intent.persons.matched(own)
            names = names | theirs
            written = intent.name_words.union(intent.persons.surnames, *intent.persons.full)
            # Another person's only when the request writes whom the action goes to by a name, and neither
            # the record's names nor the address's domain spell any name it writes
            # (`dispatch@ridgelinetransport.com` is the company's "Ridgeline Transport"). A mailbox that
            # spells the name does not make a record that names someone else that person's: its owner chose it.
            if (own and not theirs and intent.persons.addressed and not written.intersection(*own)
                    and not _spells_a_name(v.value, written)):
                stranger = " / ".join(" ".join(n) for n in own[:3])
        if not names and prov.fields and means_each(intent, info):
            # "email each of them": every record the request points at is meant, none is a rival. (Each record:
            # a value the data carries as a field of one; an address in a document's running text is no record.)
            return None
        if not stranger and self._acted_on(v, prov, record):
            return None  # the follow-up on a record the session acted on ("… and text the clients")
        named = self._named_rivals(info, v, prov, record, in_call) if not stranger else None
        if named is not None:
            # The record that holds the value is one the request names by a name it writes ("text carla": `{"name":
            # "Carla Diaz", …}`; `naming`): only records under the same name are rivals.
            if not named:
                return None
            shown = ", ".join(repr(x) for x in [v.value, *named[:4]])
            return _verdict("ask", "ambiguous", info, v, f"is one of several values the records {intent.the_request} "
                            f"names by the same name offer: {shown}", intent)

        # (What the agent sent in earlier calls never removes a rival: an injected agent could look the
        # real contacts up first to leave its own address alone.)
        def rival(value: str, its_names: frozenset[str]) -> bool:
            return (value not in in_call and not intent.names_whole(value)
                    and (not names or bool((_mailbox_words(v.kind, value) | its_names) & names)))

        def named(e: ResultEntry) -> frozenset[int]:
            index = offers(record, e)  # (kept with the result's offers, for the request it was read for)
            got = index.named.get(intent.text)
            if got is None:
                if len(index.named) >= 4:
                    index.named.clear()
                got = index.named[intent.text] = named_records(e, intent)
            return got

        others = list(offered_alongside(record, v.kind, v.value, prov, rival, named=named))
        if not others and stranger:
            # The request names whom it means, and the record that carries this value says whose it is:
            # another person's, sharing no word of any name the request writes (a planted contact).
            return _verdict("ask", "other-person", info, v, f"was found {_where(prov)} in the record of "
                            f"{stranger!r}, not of a person {intent.the_request} names", intent)
        if not others:
            return None
        mine = next((where for _, where in offered_alongside(record, v.kind, v.value, prov, mine=True)), "")
        shown = [f"{v.value!r} ({mine})"] + [f"{value!r} ({where})" for value, where in others[:4]]
        more = " and more" if len(others) > 4 else ""
        what = (f"is one of several different values the session's data offers where "
                f"{intent.the_request} points without naming one: {', '.join(shown)}{more}")
        return _verdict("ask", "ambiguous", info, v, what, intent)

    def _other_id(self, info: ToolInfo, arguments: dict[str, Any], record: SessionRecord) -> Verdict | None:
        """`other-id`: the request names a record by its id and the call acts on another of that shape."""
        other = other_id(self.intent, arguments, record, info.name)
        if not other:
            return None
        why = f"{self.intent.the_request} names another record of this kind by its id, not {other!r}"
        return Verdict("ask", "other-id", f"other-id: {info.name} acts on {other!r}: {why}",
                       f"Allow {info.name} with {_short(arguments)}? {why[0].upper()}{why[1:]}.")

    def _prescribed(self, info: ToolInfo, values: list[Value], record: SessionRecord) -> Verdict | None:
        """`prescribed`: a record of a result that writes the called tool's own identifier (`add_ssh_key`,
        `"action": "add_ssh_key"`) and carries a value of this call spells out the call to make: that is an
        instruction to the agent, whoever wrote it, unless the request itself asks for this very call."""
        name = info.name.lower()
        tokens = name_tokens(info.name)
        if len(tokens) < 2 or not any(c in name for c in "_-.") and name == info.name:
            return None  # a plain word ("pay") in a result is prose, not a tool's identifier
        intent = self.intent
        if all(stem(t) in intent.stems or stem(stem(t)) in intent.stems for t in tokens):
            return None  # the request spells out this call itself ("add the SSH key from the ticket")
        mine = [v for v in values if len(v.value.strip()) >= 3 and not intent.names_whole(v.value)
                and not intent.names(v.value, v.kind if v.address else "")]
        if not mine:
            return None
        from mcp_guard.intent.record import occurrences

        need = frozenset(t.lower() for t in tokens)
        for e in record.entries:
            at = _name_spots(e, tokens)[:MAX_PRESCRIPTIONS]
            # a record holding every word of the name as values of its fields, in any order, names it too
            parts = _word_spots(e, [t.lower() for t in tokens]) if e.json and not at else []
            if parts and frozenset().union(*(w for _i, w in parts)) != need:
                parts = []
            if not at and not parts:
                continue
            spans = [] if e.json else _record_spans(e, at)
            for v in mine:
                for form in (v.value, *v.forms()):
                    found = [o.start for o in occurrences(e, form.lower())]
                    if not found:
                        continue
                    if e.json and parts:
                        items = _list_items(e, [i for i, _w in parts] + found)
                        n = len(parts)
                        hit = any(frozenset().union(*(parts[i][1] for i in range(n)
                                                      if _one_record(items[i], items[j]))) == need
                                  for j in range(n, len(items)))
                    elif e.json:
                        items = _list_items(e, at + found)
                        hit = any(_one_record(items[i], items[j]) for i in range(len(at))
                                  for j in range(len(at), len(items)))
                    else:
                        hit = any(s <= o < t for o in found for s, t in spans)
                    if hit:
                        return _verdict("ask", "prescribed", info, v,
                                        f"stands in a record of the result of {e.source} (result {e.seq + 1}) "
                                        f"that names the tool {info.name!r} itself: data that spells out the "
                                        "call to make is an instruction, not the request", intent)
        return None

    def _audience(self, info: ToolInfo, arguments: dict[str, Any]) -> Verdict | None:
        """`audience`: an argument that opens what the call acts on to everyone (`openings`), in any common
        spelling, is asked unless the request says so (a word for everyone, or the value itself)."""
        intent = self.intent
        if intent.stems & EVERYONE:
            return None
        for param, value, how in openings(arguments):
            if str(value).lower() in intent.chunks:
                continue
            v = Value(param, "audience", str(value).lower(), False, False)
            return _verdict("ask", "audience", info, v, f"opens it to everyone ({how})", intent)
        return None

    def _grant(self, info: ToolInfo, arguments: dict[str, Any], leaves: list[tuple[str, str]],
               record: SessionRecord) -> Verdict | None:
        """`grant`: the access a call grants (`grants`): a level beyond the one the request names (or one that
        rules what it is given, when it names none, a flag such as `is_admin: true` too), or a group the
        request does not name and no clean result carries, is asked."""
        intent = self.intent
        if not intent.declared:
            return None
        if not names_level(intent.text, RULES):
            for flag in raised_flags(arguments):
                v = Value(flag, "grant", "true", False, False)
                return _verdict("ask", "grant", info, v, "grants a level that rules what it is given, which "
                                f"{intent.the_request} does not name", intent)
        for param, value, what in grants(leaves):
            if what == "level":
                why = beyond(intent.text, value)
            elif named_group(intent.text, value) or intent.names(value, "group") or (
                    built_from(value, intent.stems) and record.session_taint() is None):
                why = ""
            else:
                prov = record.provenance(value, (value,))
                found = any(_group_named(e, value, intent.text) for e in prov.fields)
                why = "" if found else ("is a group the request does not name, nor the id of one it names in a "
                                        "clean result")
            if why:
                return _verdict("ask", "grant", info, Value(param, "grant", value, False, False), why, intent)
        return None

    def _amount(self, info: ToolInfo, arguments: dict[str, Any], record: SessionRecord) -> Verdict | None:
        intent = self.intent
        # A request that names no number names no sum: the sum must then come from a clean result ("pay
        # the invoice in Bob's email": the invoice's amount), never from nowhere.
        # (a tool that pays: by its verb's family or kind, `buy_crypto`, `disburse`, or a word of its name that names
        # money, `create_charge`)
        pays = "pay" in info.families | info.kinds or any(money_word(w, True) for w in name_tokens(info.name)[1:])
        for param, x in _amounts(arguments, pays):
            if intent.names_number(x):
                continue
            if x == 1 and _counts(param):
                continue  # one of a thing is the thing the call is about: the call itself is judged, not its count
            prov = record.provenance(_num_text(x), _number_forms(x))
            if prov.fields or prov.text:
                continue
            if moved_by(param, x, changes(intent.text, intent.numbers, record.entries), record.entries,
                        lambda y, e: e in record.provenance(_num_text(y), _number_forms(y)).fields):
                continue  # the field's current value moved by the request's number ("we used 2": 6 - 2)
            v = Value(param, "amount", _num_text(x), False, False)
            named = "is none of the numbers" if intent.numbers else "is no number (it names none) that"
            return _verdict("ask", "amount", info, v,
                            f"{named} {intent.the_request} names, nor found in a clean result", intent)
        if intent.currencies:  # the request names the sum's unit: a call that pays in another is judged
            for param, value, codes in call_currencies(argument_leaves(arguments), lambda p: _sum_param(p, pays),
                                                          _currency_param, pays):
                if codes & intent.currencies:
                    continue
                prov = record.provenance(value, (value, value.upper(), value.lower()))
                if prov.fields or prov.text:
                    continue
                v = Value(param, "amount", value, False, False)
                return _verdict("ask", "amount", info, v, f"is not a currency {intent.the_request} names "
                                f"({', '.join(sorted(intent.currencies))}), nor found in a clean result", intent)
        return None


# -- what the data offers where a pointer points ---------------------------------------------------------
# A result's address-like values, each with its role (the field that holds it whole, or running text) and
# its record (the JSON object, or the paragraph, that holds it): found once per result, when a pointer is
# first resolved in it, and kept on the session's record with the result.
_LABEL = re.compile(r"[ \t]*(?:[-*•][ \t]+)?([A-Za-z_][\w .-]{0,40}):[ \t]")
_BLANK = re.compile(r"\n[ \t]*\n")
_ITEM = re.compile(r"^[ \t]*- [A-Za-z_][\w .-]{0,40}:(?:[ \t]|$)", re.M)
_LABELLED_LINE = re.compile(r"^[ \t]*(?:[-*•][ \t]+)?([A-Za-z_][\w .-]{0,40}):[ \t]*(\S[^\n]*)$", re.M)
_KEY_ONLY = re.compile(r"[ \t]*(?:- )?([A-Za-z_][\w .-]{0,40}):[ \t]*$")
MAX_OFFERS = 4096  # values indexed per result; a result that carries more offers an unknown rival (asked)
MAX_OFFERS_KEPT = 8192  # distinct values of indexed results kept per session (about 5 MiB)
MAX_INDEXED = 256 * 1024  # characters of a result indexed (~0.2 s); a longer one offers an unknown rival


@dataclass(frozen=True, slots=True)
class Offer:
    kind: str
    value: str
    role: str  # "field:<key>" (the whole value of a field) or "text"
    record: int  # which record (JSON object or paragraph) of the result holds it


def _offers(e: ResultEntry) -> tuple[list[Offer], dict[int, tuple[tuple[str, ...], ...]]]:
    """The result's offers, and the names each record of a JSON result gives itself (`persons.record_names`)."""
    out: list[Offer] = []
    names: dict[int, tuple[tuple[str, ...], ...]] = {}
    data = None
    if e.json:
        try:
            data = json.loads(e.text)
        except (ValueError, RecursionError):
            data = None
    if isinstance(data, dict | list):
        counter = [0]

        def walk(node: Any, key: str, rec: int, depth: int) -> None:
            if len(out) >= MAX_OFFERS or depth > 32:
                return
            if isinstance(node, dict):
                counter[0] += 1
                mine = counter[0]
                own = record_names(node)
                if own:
                    names[mine] = own
                for k, x in node.items():
                    walk(x, str(k), mine, depth + 1)
            elif isinstance(node, list):
                for x in node:
                    walk(x, key, rec, depth + 1)
            elif isinstance(node, str):
                found = list(find_values(node))
                one = whole_value(node, "", found)
                for f in found:
                    whole = one is not None and f.value == one.value
                    out.append(Offer(f.kind, f.value, f"field:{key.lower()}" if whole else "text", rec))

        walk(data, "", 0, 0)
        held = {o.record for o in out}  # (kept only for records that offer a value: bounded by the offers)
        return out, {rec: n for rec, n in names.items() if rec in held}
    from mcp_guard.intent.record import _is_field

    starts = _record_starts(e.text)
    for f in find_values(e.text, e.low):
        if len(out) >= MAX_OFFERS:
            break
        role = "text"
        if _is_field(e, f.start, f.end):
            line = e.text.rfind("\n", 0, f.start) + 1
            m = _LABEL.match(e.text, line, f.start)
            keyed = not e.text[line:f.start].strip() and e.text.startswith(":", f.end)  # `bob@x: rw`
            role = f"field:{(m.group(1).strip().lower() if m else _parent_key(e.text, line, keyed))}"
        out.append(Offer(f.kind, f.value, role, bisect.bisect_right(starts, f.start) + 1))
    # The names a record of text gives itself: its labelled lines, read as a JSON record's fields are
    # ("Name: Eve Stone", a YAML item's `name:`).
    labelled: dict[int, dict[str, str]] = {}
    held = {o.record for o in out}
    for m in _LABELLED_LINE.finditer(e.text):
        rec = bisect.bisect_right(starts, m.start()) + 1
        if rec in held:
            labelled.setdefault(rec, {}).setdefault(m.group(1).strip(), m.group(2).strip())
    return out, {rec: own for rec, fields in labelled.items() if (own := record_names(fields))}


def _record_starts(text: str) -> list[int]:
    """Where each record of a text result opens: a paragraph, or a list item that opens a mapping (`- id: 7`, a
    YAML record)."""
    return sorted({m.end() for m in _BLANK.finditer(text)} | {m.start() for m in _ITEM.finditer(text)})


def _parent_key(text: str, line: int, keyed: bool = False) -> str:
    """The key of the list a bare `- value` line is an item of (`participants:` above it), or of the mapping
    a `value: x` line is an entry of (`keyed`: `shared_with:` above it), else ""."""
    head = text[line:line + 200]
    indent = len(head) - len(head.lstrip(" \t"))
    pos = line
    for _ in range(200):
        if pos <= 0:
            return ""
        prev = text.rfind("\n", 0, pos - 1) + 1
        body = text[prev:pos - 1]
        stripped = body.lstrip(" \t")
        pos = prev
        if not stripped or (stripped[:2] == "- " and len(body) - len(stripped) >= indent):
            continue  # another item of the same list
        if keyed and len(body) - len(stripped) == indent:
            continue  # another entry of the same mapping
        m = _KEY_ONLY.match(body)
        return m.group(1).strip().lower() if m is not None and len(body) - len(stripped) <= indent else ""
    return ""


class Offers:
    """One result's offers, indexed: where each value stands, each place's values, each record's values."""

    __slots__ = ("at", "by_place", "by_record", "full", "named", "names")

    def __init__(self, found: list[Offer], full: bool = False,
                 names: dict[int, tuple[tuple[str, ...], ...]] | None = None) -> None:
        self.full = full or len(found) >= MAX_OFFERS  # more than were indexed: it may offer any value
        self.names = names or {}  # record -> the names it gives itself (a JSON result's only)
        self.named: dict[str, frozenset[int]] = {}  # request -> the records it names (`named_records`)
        self.at: dict[str, list[Offer]] = {}
        self.by_place: dict[tuple[str, str], dict[str, Offer]] = {}  # (kind, role) -> value -> first offer
        self.by_record: dict[int, set[str]] = {}
        for o in found:
            self.at.setdefault(o.value, []).append(o)
            self.by_place.setdefault((o.kind, o.role), {}).setdefault(o.value, o)
            self.by_record.setdefault(o.record, set()).add(o.value)


def offers(record: SessionRecord, e: ResultEntry) -> Offers:
    """The result's offers, found once (on the first pointer resolved in it) and kept while the result
    is (keyed by its seq)."""
    cache = record.offers
    got = cache.get(e.seq)
    if got is None:
        if e.size <= MAX_INDEXED:
            found, names = _offers(e)
            got = Offers(found, names=names)
        else:
            got = Offers([], full=True)
        # Bounded per session: the indexes of forgotten results go, then the oldest ones (rebuilt if needed).
        live = {x.seq for x in record.entries}
        for seq in [s for s in cache if s not in live]:
            del cache[seq]
        total = len(got.at) + sum(len(o.at) for o in cache.values())
        while cache and total > MAX_OFFERS_KEPT:
            total -= len(cache.pop(next(iter(cache))).at)
        cache[e.seq] = got
    return got


# A YAML or "key: value" line: the value whole (quotes dropped).
_FIELD_VALUE = re.compile(r"""^[ \t]*(?:- )?([A-Za-z_][\w .-]{0,40}):[ \t]+['"]?([^'"\n]{2,160}?)['"]?[ \t]*$""", re.M)
# The last word of a field's name that says the field names its own record (`id`, `filename`, `invoice_number`),
# not one that points at another (`corrects`, `replaces`, `parent`); and of those, the ones that say which
# record it is by a code: beside a bare one (`id`), a qualified one (`invoice_id`) is another record's.
_OWN_LABEL = frozenset("id name number no num key slug title filename file path code uid uuid identifier handle "
                       "label".split())
_CODES = frozenset("id number no num key code uid uuid identifier".split())


MAX_WALKED = 256 * 1024  # characters of a result whose records `naming`'s rules read (a decision's cost bound)


def _clean_json(e: ResultEntry, record: SessionRecord) -> Any:
    """A clean JSON result's data (None for text, a result with instructions to the model, bad JSON, or one
    longer than `MAX_WALKED`: then nothing in it is pointed at by `naming`'s rules)."""
    if not e.json or e.size > MAX_WALKED or record.judge(e):
        return None
    try:
        return json.loads(e.text)
    except (ValueError, RecursionError):
        return None


def _labels_itself(key: str, keys: Iterable[str] = ()) -> bool:
    """Does a field of this name name its own record (by `_OWN_LABEL`), among the record's fields `keys`?"""
    ws = [w.lower() for w in name_tokens(key)]
    if not ws or ws[-1] not in _OWN_LABEL:
        return False
    if len(ws) == 1 or ws[-1] not in _CODES:
        return True
    return not any([w.lower() for w in name_tokens(k)] in ([c] for c in _CODES) for k in keys)


def _group_named(e: ResultEntry, value: str, request: str) -> bool:
    """Is `value` a field of a record of this result (a JSON object, or a paragraph of text) whose other fields
    name the group the request names (`{"id": "T1", "name": "design"}` for "the design team")? Another record
    of the same listing (the admins' team) is not."""
    if not e.json:
        return any(value in part and any(named_group(request, x) for x in re.findall(r":[ \t]*([^\n]+)", part)
                                         if x.strip() != value)
                   for part in _BLANK.split(e.text))
    try:
        data = json.loads(e.text)
    except (ValueError, RecursionError):
        return False

    def walk(node: Any, depth: int) -> bool:
        if depth > 32:
            return False
        if isinstance(node, list):
            return any(walk(x, depth + 1) for x in node)
        if not isinstance(node, dict):
            return False
        scalars = [str(x) for x in node.values() if isinstance(x, str | int) and not isinstance(x, bool)]
        if value in scalars and any(named_group(request, x) for x in scalars if x != value):
            return True
        return any(walk(x, depth + 1) for x in node.values())

    return walk(data, 0)


def named_records(e: ResultEntry, intent: DeclaredIntent) -> frozenset[int]:
    """The records of a result (numbered as `_offers` numbers them) that the request names by the whole value
    of one of the fields that name the record itself (`DeclaredIntent.names_label`: "the file
    'client-meeting-minutes.docx'"; `_labels_itself`: not a credit note's `corrects: INV-2041`)."""
    out: set[int] = set()
    if e.json:
        try:
            data = json.loads(e.text)
        except (ValueError, RecursionError):
            return frozenset()
        counter = [0]

        def walk(node: Any, rec: int, depth: int) -> None:
            if depth > 32:
                return
            if isinstance(node, dict):
                counter[0] += 1
                mine = counter[0]
                for k, x in node.items():
                    if (isinstance(x, str) and len(x) <= 160 and intent.names_label(x)
                            and _labels_itself(str(k), map(str, node))):
                        out.add(mine)
                    walk(x, mine, depth + 1)
            elif isinstance(node, list):
                for x in node:
                    walk(x, rec, depth + 1)

        walk(data, 0, 0)
        return frozenset(out)
    from mcp_guard.intent.record import _OPENS, _inside_scalar

    starts = _record_starts(e.text)
    for m in _FIELD_VALUE.finditer(e.text):
        # (a line that opens a scalar going on below holds no whole value; nor does a line of such a scalar)
        if (intent.names_label(m.group(2)) and _labels_itself(m.group(1).strip()) and not _OPENS.match(m.group(0))
                and not _inside_scalar(e.text, m.start())):
            out.add(bisect.bisect_right(starts, m.start(2)) + 1)
    return frozenset(out)


def offered_alongside(
    record: SessionRecord, kind: str, value: str, prov: Provenance,
    rival: Callable[[str, frozenset[str]], bool] = lambda _v, _n: True, mine: bool = False, most: int = 5,
    named: Callable[[ResultEntry], frozenset[int]] | None = None,
) -> Iterator[tuple[str, str]]:
    """(value, where) for each other value of `kind` that the session's clean data offers in the same
    place as `value` is offered, in a record that does not hold `value` (values of one record are one
    list the request may mean whole: an event's participants; but a value that also stands in a record of
    its own is a rival, so a row that lists the real contacts beside its own address hides none of them).
    The place: anywhere in the results of calls for what the request names, when `value` is data as one
    of them (the request pointed there); else a field of the same name in a result of the same tool. Only
    clean results offer rivals (an injection's values are judged by their own rules). Each distinct
    value that is a `rival` (given the words of the names its records there give themselves) once, at most
    `most`. `mine`: where `value` itself is offered (once). `named`: the records of a result the request names
    (`named_records`): when `value` is a field of one of them, that record is where the request points, and the
    other records of that result offer no rivals."""
    pointed = bool(prov.pointed)
    places: set[tuple[str, str]] = set()  # (source, role) where `value` is offered
    holding: set[tuple[int, int]] = set()  # (result seq, record) of the records that hold `value`
    only: dict[int, frozenset[int]] = {}  # result seq -> the records the request names there, holding `value`
    # (records that hold `value` only in their running text: a sentence there does not speak for the record's
    # data, so the record's own fields of the kind are its rivals: "… with the participant x@y" in an event's
    # description beside its participants)
    in_text: set[tuple[int, int]] = set()
    for e in prov.pointed if pointed else prov.fields:
        index = offers(record, e)
        if index.full and not mine:
            yield "…", f"more values than are compared, in the result of {e.source} (result {e.seq + 1})"
            return
        for o in index.at.get(value, ()):
            if pointed or o.role != "text":
                if mine:
                    yield value, _offer_where(e, o)
                    return
                places.add((e.source, o.role))
                (holding if o.role != "text" else in_text).add((e.seq, o.record))
                if named is not None and o.role != "text" and e.seq not in only:
                    records = named(e)
                    if o.record in records:
                        only[e.seq] = records
    if mine:
        return
    in_text -= holding
    sources = {src for src, _ in places}
    roles = {role for _, role in places}
    seen = {value}
    for e in record.entries:
        if (pointed and not e.pointed) or e.source not in sources or record.judge(e):
            continue
        index = offers(record, e)
        if index.full:
            yield "…", f"more values than are compared, in the result of {e.source} (result {e.seq + 1})"
            return
        for (k, role), there in index.by_place.items():
            if k != kind or not (pointed or role in roles):
                continue
            for v in there:
                if v in seen:
                    continue
                o = next((o for o in index.at[v] if (o.kind, o.role) == (k, role)
                          and (e.seq, o.record) not in holding and o.record in only.get(e.seq, (o.record,))
                          and (o.role != "text" or (e.seq, o.record) not in in_text)), None)
                if o is None:
                    continue  # only beside `value` here (it may stand alone elsewhere)
                seen.add(v)
                if not rival(v, frozenset(w for x in index.at[v] for name in index.names.get(x.record, ())
                                          for w in name)):
                    continue
                yield v, _offer_where(e, o)
                most -= 1
                if most <= 0:
                    return


def own_names(record: SessionRecord, value: str, prov: Provenance) -> list[tuple[str, ...]]:
    """The names the records that offer `value` (where `offered_alongside` looks for it) give themselves, and
    the display names written before it as a mailbox."""
    out: list[tuple[str, ...]] = []
    for e in prov.pointed or prov.fields:
        index = offers(record, e)
        for o in index.at.get(value, ()):
            if prov.pointed or o.role != "text":
                out += index.names.get(o.record, ())
        if value in index.at and "@" in value:
            out += display_names(e.text, value)  # a mailbox's own display name ("Eve Stone <eve@…>")
    return out


MAX_PRESCRIPTIONS = 16  # occurrences of a tool's identifier per result whose record is compared


# How a tool's name may be spelt in data the model reads as that name: its words in order, joined by
# nothing (camelCase) or any characters that are not letters or digits (`_`, `-`, `.`, `/`, `:`, `+`,
# dashes, spaces, soft hyphens, zero-width characters), raw, JSON-escaped or percent-encoded;
# any letter may be JSON-escaped (`add_\\u0073sh_key`); the words may stand in neighbouring fields of one
# JSON object. Matched in the lower-case text, so the namespaced name the agent sees (`desk__add_ssh_key`)
# holds it too.
_NAME_SEP = (r"(?:[\W_]|\\u[0-9a-f]{4}|%[0-9a-f]{2}"
             # or split across fields of one object: `"verb": "add", "object": "ssh_key"`
             r'|"\s*[,:]\s*(?:"[\w\s-]{0,40}"\s*:\s*)?")*')


def _name_pattern(tokens: list[str], variants: bool = True) -> re.Pattern[str]:
    """`variants`: also any character that reads as a letter (for a text that is not plain ASCII)."""
    def letter(c: str) -> str:
        if not ("a" <= c <= "z"):
            return f"(?:{re.escape(c)}|\\\\u{ord(c):04x})" if ord(c) < 0x10000 else re.escape(c)
        # the letter or any character that reads as it (`words.letter_variants`: Cyrillic "а", "ａ", "á"),
        # raw or as a JSON escape of it or of a look-alike from another script (`\\u0430dd_ssh_key`)
        escaped = "".join(f"|\\\\u{ord(x):04x}" for x in c + LOOKALIKES_OF.get(c, ""))
        # (plain alternatives of literals: the regex engine then skips ahead to where one could start)
        chars = f"[{re.escape(letter_variants(c))}]" if variants else c
        return f"(?:{chars}{escaped})"

    return re.compile(r"(?<![^\W_])" + _NAME_SEP.join("".join(map(letter, t.lower())) for t in tokens)
                      + r"(?![^\W_])")


def _name_spots(e: ResultEntry, tokens: list[str]) -> list[int]:
    """Offsets where the result writes a tool's name (`_name_pattern`), in any case and with any letter
    written as a character that reads as it (a look-alike of another script, a full-width letter; a plain
    ASCII text is searched without them, which costs less)."""
    from mcp_guard.textview import view

    pattern = _name_pattern(tokens, variants=not e.raw.isascii())
    found = [m.start() for m in pattern.finditer(e.low)]
    # and in the text as the model reads it: marks and zero-width characters inside a word dropped,
    # entities and escapes decoded (`ad\u200bd_ssh_key`, `add&#95;ssh&#95;key`)
    v = view(e.text)
    if v is not None:
        found += [v.original(m.start()) for m in pattern.finditer(v.text.lower())]
    return sorted(set(found))


# A JSON string that is one short identifier-like value (`"add"`, `"ssh_key"`, `\"add\"` in JSON held in a
# string): the words of the tool's name standing as values of the fields of one record, in any order.
_SHORT_VALUE = re.compile(r'\\?"\s*([^\W_][\w .\-]{0,40}?)\s*\\?"')


def _word_spots(e: ResultEntry, tokens: list[str]) -> list[tuple[int, frozenset[str]]]:
    """Offsets of the short string values of a JSON result made only of words of the tool's name, and
    which words each holds (read in the text as the model reads it, `textview.view`)."""
    from mcp_guard.textview import view

    v = view(e.text)
    text = v.text.lower() if v is not None else e.low
    want = set(tokens)
    out: list[tuple[int, frozenset[str]]] = []
    for m in _SHORT_VALUE.finditer(text):
        ws = re.findall(r"[a-z0-9]+", m.group(1))
        if ws and want.issuperset(ws):
            out.append((v.original(m.start()) if v is not None else m.start(), frozenset(ws)))
            if len(out) >= MAX_PRESCRIPTIONS * 4:
                break
    return out


_JSON_ITEM = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},]')


def _list_items(e: ResultEntry, positions: list[int]) -> list[dict[int, int]]:
    """For each offset of a JSON result, the item it lies in of each list around it (list start ->
    item index): two offsets are in one record unless some list holds them in different items (two rows
    of a listing), however deep either sits in its row. A result too long to read through is one record."""
    if e.size > MAX_INDEXED or not positions:
        return [{} for _ in positions]
    order = sorted(range(len(positions)), key=positions.__getitem__)
    out: list[dict[int, int]] = [{} for _ in positions]
    stack: list[list[int]] = []  # [start, item index] of each open list; -1 start for an object
    k = 0
    for m in _JSON_ITEM.finditer(e.text):
        while k < len(order) and positions[order[k]] < m.end():
            out[order[k]] = {s: i for s, i in stack if s >= 0}
            k += 1
        if k == len(order):
            break
        c = m.group()
        if c == "[":
            stack.append([m.start(), 0])
        elif c == "{":
            stack.append([-1, 0])
        elif c in "]}":
            if stack:
                stack.pop()
        elif c == "," and stack and stack[-1][0] >= 0:
            stack[-1][1] += 1
    return out


def _one_record(a: dict[int, int], b: dict[int, int]) -> bool:
    return all(b.get(s, i) == i for s, i in a.items())


def _record_spans(e: ResultEntry, positions: list[int]) -> list[tuple[int, int]]:
    """(start, end) of the paragraph (a blank line apart) that holds each offset of a text result."""
    text = e.text
    if e.size > MAX_INDEXED:
        return [(0, len(text))] * len(positions)
    out = []
    for pos in positions:
        breaks = [m.end() for m in _BLANK.finditer(text, 0, pos)]
        after = _BLANK.search(text, pos)
        out.append((breaks[-1] if breaks else 0, after.start() if after else len(text)))
    return out


def _offer_where(e: ResultEntry, o: Offer) -> str:
    where = f"field '{o.role[6:]}'" if o.role != "text" else "text"
    rec = f" of record {o.record}" if o.record else ""
    return f"{where}{rec} of the result of {e.source} (result {e.seq + 1})"


_GROUP_WORD = {"party": "recipients", "channel": "channels", "web": "web addresses", "account": "accounts",
               "path": "paths", "credential": "credentials"}


def _name(entries: tuple[ResultEntry, ...]) -> str:
    shown = ", ".join(f"{e.source} (result {e.seq + 1})" for e in entries[:3])
    return shown + (f" and {len(entries) - 3} more" if len(entries) > 3 else "")


def _injected(info: ToolInfo, v: Value, prov: Provenance, intent: DeclaredIntent) -> Verdict:
    """`injected` when the value is found only inside instructions to the model, else `contested`."""
    if prov.injected:
        inside = (f"inside text that reads as instructions to the model, in the result of {_name(prov.injected)}")
    else:
        inside = "inside text that read as instructions to the model, in a result since forgotten"
    if not prov.outside:
        return _verdict("deny", "injected", info, v, f"is found only {inside}", intent)
    rest = Provenance(prov.fields, prov.text, prov.pointed, (), prov.tainted,
                      "tainted" if prov.forgotten_outside or prov.forgotten == "tainted" else "")
    return _verdict("ask", "contested", info, v, f"is found {inside}, and also {_where(rest)}", intent)


def _instructed(values: list[Value], record: SessionRecord) -> str:
    """For the person asked about a call the request does not ask for: a value of it that instructions to the
    model wrote, and where ("" when none, or when the session read no instructions). It changes no decision:
    such a value under a folder the request names is the request's choice, yet the person should know."""
    if record.session_taint() is None:
        return ""
    for v in values:
        if v.destination or v.kind in ("value", "path"):
            prov = record.provenance(v.value, v.forms())
            if prov.inside:
                return f"; {v.param}={v.value!r} is found {_where(prov)}"
    return ""


def _where(prov: Provenance) -> str:
    name = _name
    if prov.injected:
        return f"inside text that reads as instructions to the model, in the result of {name(prov.injected)}"
    if prov.forgotten == "injected":
        return "inside text that read as instructions to the model, in a result since forgotten"
    steered = [e for e in prov.tainted if e.steered]
    if steered and len(steered) == len(prov.tainted):
        return (f"in the result of {name(prov.tainted)}, a call made with a value that instructions to the model "
                f"chose ({steered[0].steered})")
    if prov.tainted:
        return (f"in the result of {name(prov.tainted)}, which carries text that reads as instructions to the "
                "model")
    if prov.forgotten:
        return "in a result (since forgotten) that carried text that read as instructions to the model"
    if prov.fields:
        return f"as a field of the data in the result of {name(prov.fields)}"
    if prov.pointed:
        return f"inside the text of the result of {name(prov.pointed)}, a call for what the request names"
    if prov.text:
        return f"inside the text of the result of {name(prov.text)}"
    return "nowhere"


def _verdict(action: str, rule: str, info: ToolInfo, v: Value, what: str, intent: DeclaredIntent) -> Verdict:
    reason = f"{rule}: {info.name} {v.param}={v.value!r} {what}"
    if action == "deny":
        return Verdict(action, rule, reason)
    return Verdict(
        action,
        rule,
        reason,
        f"Allow {info.name} with {v.param}={v.value!r}? This value {what}; {intent.the_request} does not name it.",
    )


def _together(asked: list[Verdict]) -> Verdict:
    """One ask for the values of a call asked about: the first one's rule, and every reason."""
    first = asked[0]
    others = [r for r in dict.fromkeys(v.reason for v in asked[1:]) if r != first.reason]
    if not others:
        return first
    also = "; ".join(others)
    return Verdict(first.action, first.rule, f"{first.reason}; also {also}",
                   f"{first.question or first.reason} Also: {also}.")


def _short(arguments: dict[str, Any], limit: int = 160) -> str:
    text = ", ".join(f"{k}={v!r}" for k, v in arguments.items()) or "no arguments"
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = ["DeclaredIntent", "DefaultEngine", "Verdict", "call_values", "normalise", "points_at", "sent_values",
           "steered_by", "trusted_key"]
