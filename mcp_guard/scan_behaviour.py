"""What a text asks the model to DO, sentence by sentence, judged against what the tool says it is for.

The phrase signals of `mcp_guard.scan` say that a text *sounds* like an instruction; legitimate tool
descriptions are full of those ("IMPORTANT: you must pass an absolute path"). What makes a text
dangerous is what the instruction is about. Each sentence is read for:
- who it speaks to: the model (second person, "assistant"/"agent"/"AI", an imperative);
- what it asks for: overriding instructions or taking a new role, concealment from the user,
  deceiving the user, data the tool does not need (secrets, the conversation, the system prompt,
  private files), sending anything to a destination written in prose, side effects outside the
  tool's job (deleting, paying, approving, running shell commands);
and a schema parameter is read against the tool's own name and first sentence: an `add` tool whose
parameter wants "the conversation so far" asks for something its purpose does not need.

Severity: `high` where a person must read before approving (an override, a hidden or deceptive
action, private data sent or requested off-purpose); `medium` for one such act with nothing else;
`low` for instructions about using the tool itself, which is what honest descriptions contain.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_I = re.IGNORECASE


@dataclass(frozen=True, slots=True)
class Cue:
    """One thing a sentence can do. `pattern` is searched within one sentence."""

    name: str
    pattern: re.Pattern[str]
    explanation: str


def cue(name: str, *, pattern: str, explanation: str) -> Cue:
    return Cue(name=name, pattern=re.compile(pattern, _I), explanation=explanation)


_WHO = r"(?:assistant|ai|a\.i\.|model|llm|agent|bot|chatbot|claude|gpt|chatgpt|copilot|language model|client model)"
_DEST = (
    r"(?:https?://\S+|(?:s3|ftp|sftp|gs|wss?)://\S+|www\.\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|\b\d{1,3}(?:\.\d{1,3}){3}\b|\+\d[\d\s-]{7,}\d"
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|io|dev|biz|info|example|xyz|co|app|ai|cloud|site|ru|cn|me)\b"
    r"|\b(?:our|my|the (?:vendor|partner|operator)'?s?|a partner|our partner'?s?|their)\s+(?:own\s+)?"
    r"(?:server|endpoint|team|collector|backend|api|webhook|bucket|inbox|address|account|site))"
)

# --- what a sentence does -------------------------------------------------------------------------

ADDRESS = cue(
    "address",
    pattern=r"\b(?:you|your|yourself|u|ur)\b|\b(?:dear|hey|note to|for|attention)\s+(?:the\s+)?(?:\w+\s+)?"
    + _WHO
    + r"\b|^\W*"
    + _WHO
    + r"s?\s*[:,]|\b(?:the|this|any|every)\s+(?:integrating\s+|consuming\s+|calling\s+|client\s+)?"
    + _WHO
    + r"s?\b\s+(?:must|should|shall|will|is|are|needs?|has|have|may|can|reading|consuming|invoking)\b"
    + r"|\b"
    + _WHO
    + r"s?[- ]only\b|\baudience\s*=\s*.?"
    + _WHO
    # the model named as the subject, without an article: "assistants invoking this agree to …"
    + r"|\b"
    + _WHO
    + r"s\s+(?:must|should|shall|will|need|invoking|reading|using|calling|consuming|agree)\b",
    explanation="speaks to the model",
)
# In a tool result, "you" is whoever the document was written for; only naming the model addresses it.
ADDRESS_MODEL = cue(
    "address_model",
    pattern=r"\b(?:dear|hey|note to|for|attention|to you,?)\s+(?:the\s+)?" + _WHO + r"\b|^\W*" + _WHO + r"s?\s*[:,]"
    r"|\b(?:the|this|any|every)\s+(?:integrating\s+|consuming\s+|calling\s+|client\s+)?"
    + _WHO
    + r"s?\b\s+(?:must|should|shall|will|is|are|needs?|has|have|may|can|reading|consuming|invoking)\b"
    + r"|\b"
    + _WHO
    + r"s?[- ]only\b|\b(?:ai|llm|language model)\s+(?:agent|assistant)s?\b|\binstructions? for (?:the\s+)?"
    + _WHO,
    explanation="speaks to the model",
)
DIRECTIVE = cue(
    "directive",
    pattern=r"\b(?:must|should|shall|need to|needs to|have to|has to|(?:is|are) (?:required|expected|obliged) to|"
    r"agree to|make sure|be sure to|remember to|don'?t forget to|always|never|pls|please|kindly|mandatory|required)\b",
    explanation="gives an order",
)
OVERRIDE = cue(
    "override",
    pattern=r"\b(?:ignore|disregard|forget|override|bypass|skip|disable|drop"
        r"|abandon)\b[^.!?\n]{0,40}\b(?:previous|prior|"
    r"earlier|above|preceding|original|other|all|any|user'?s?|system|safety|operator'?s?|guidance|guidelines|rules|"
    r"instructions?|directions|policies|filters?|filtering|restrictions|guardrails|content filter|what the user)\b"
    r"|\b(?:supersedes?|takes? precedence over|overrides?|(?:higher|top|highest) priority than)\s+(?:any|all"
    r"|the|your|prior|"
    r"previous|earlier|other)?\s*(?:\w+\s+)?(?:instructions|directions|guidance|rules|system|operator|prompts?|user)\b"
    r"|\bonly (?:obey|follow|listen to)\b"
    r"|\bfrom now on\b|\bfor the (?:rest|remainder) of (?:this|the) (?:session|conversation|chat)\b"
    r"|\b(?:you are|you're) now\b|\byou (?:have been|are) granted\b|\bmaintenance mode\b|\b(?:developer|admin"
    r"|god) mode\b"
    r"|\badministrator (?:rights|privileges|access)\b|\bpretend (?:to be|you(?:'re| are))\b|\bwith no (?:rules"
    r"|restrictions|limits)\b"
    r"|\b(?:pre-?authori[sz]ed|pre-?approved|pre-?cleared|already (?:agreed|approved|consented|authori[sz]ed))\b"
    r"|\bregardless of (?:what(?:ever)?(?:\s+(?:the|your|their|an?|you))?\s+[\w'-]+|the user|results|their|any)\b"
    r"|\beven if (?:the user|they) (?:says?|asks?)\b"
    r"|\bwhatever the user (?:prefers|wants|says|asks|requests|chooses)\b"
    # a standing order on every answer the model gives ("append X to every answer it gives")
    r"|\b(?:every|each|all)\s+(?:of\s+)?(?:its\s+|your\s+|the\s+)?(?:answers?|responses?|repl(?:y|ies))\s+"
    r"(?:it|you|the (?:model|assistant|agent))?\s*(?:gives?|writes?|produces?|produced|given|written|sends?)\b"
    r"|\bnot follow (?:the )?user\b"
    r"|\btreat(?:s|ed|ing)?\b[^.!?\n]{0,60}\bas\s+(?:\w+\s+)?(?:instructions|commands|orders|coming from|from the user"
    r"|trusted|authoritative)"
    r"|\b(?:obey|obeys|follow|follows|execute|carry out)\s+(?:\w+\s+){0,3}?(?:instructions|commands)\s+(?:\w+\s+)?"
    r"(?:in|from|inside|within)\s+(?:\w+\s+)?(?:tool|outputs?|results?|documents?|responses?)"
    r"|\bwith (?:the )?highest priority\b"
    r"|\b(?:follow|obey|do|execute|carry out)\s+(?:what(?:ever)?|everything|the instructions|all instructions)\s+"
    r"(?:it|the page|that page|the site|they|the response|the document)\s+(?:says?|tells?|contains?|gives?)\b"
    r"|\b(?:safety|content|security)\s+(?:checks?|filters?|guidelines|rules|restrictions|policies)\s+(?:are|have been"
    r"|is|were)\s+(?:now\s+)?(?:disabled|off|lifted|suspended|removed|turned off|waived)\b"
    r"|\bcomply with (?:all|every|any)\s+(?:\w+\s+)?requests?\b"
    r"|\b(?:remember|store|save|memori[sz]e)\b[^.!?\n]{0,40}\b(?:future|all|every"
    r"|subsequent)\s+(?:conversations|sessions|chats)\b"
    # the same in a few other languages: an override is an override in any of them
    r"|\b(?:ignora|ignore[sz]?|ignoriere|ignorieren|vergiss|olvida|oublie[sz]?|ignorar)\b[^.!?\n]{0,40}"
    r"(?:anteriores|vorherigen|bisherigen|précédentes|precedentes|previas|instrucciones|Anweisungen|consignes)"
    r"|(?:忽略|无视|無視|忘记|忘記)[^。！？\n]{0,20}(?:指令|指示|说明|命令)|игнорируй",
    explanation="tries to override the model's instructions or the user's wishes",
)
CONCEAL = cue(
    "conceal",
    pattern=r"\b(?:do not|don'?t|dont|never|without|avoid)\s+(?:\w+\s+){0,3}?(?:tell|telling|mention|mentioning|"
    r"inform|informing|reveal|revealing|show|showing|surface|surfacing|notify|notifying|alert|disclose|disclosing|"
    r"reference|referencing|explain|let)\b(?:\s+(?:the\s+)?(?:user|human|person|operator|them|anyone)\b)?"
    r"|\bkeep (?:this|that|it|these|them)\s+(?:\w+\s+)?(?:between us|secret|hidden|quiet|private|to yourself)\b"
    r"|\bbetween (?:you and me|us|friends)\b|\bnobody (?:minds|needs to know)\b"
    r"|\bwithout (?:the user'?s?|their|anyone'?s?)\s+(?:knowledge|consent|knowing|noticing|awareness)\b"
    r"|\b(?:hidden|hide|hiding)\s+(?:it\s+|this\s+)?from (?:the )?(?:user|human|person)\b",
    explanation="asks for something to be hidden from the user or done without asking",
)
NO_CONFIRM = cue(
    "no_confirm",
    pattern=r"\b(?:without|no need to|never|do not|don'?t|dont)\s+(?:\w+\s+){0,2}?(?:ask|asking|confirm|confirming|"
    r"confirmation|checking with)\b"
    r"|\brequires? no confirmation\b",
    explanation="asks for an action without the user's confirmation",
)
STEALTH = cue(
    "stealth",
    pattern=r"\b(?:quietly|silently|secretly|covertly|discreetly|sneakily|invisibly)\s+(?:\w+\s+)?(?:append|add|send|"
    r"call|run|enable|disable|copy|upload|include|forward|post|write|delete|remove|change|set|grant|share|install|read|"
    r"collect|record|log|store|save|attach|insert|invoke|execute)\b|\bsneak\b|\bbehind the scenes\b",
    explanation="asks for something to be done unseen",
)
DECEIVE = cue(
    "deceive",
    pattern=r"\b(?:tell|tells|say|says|inform|report|claim|present|describe)\b[^.!?\n]{0,80}?\b(?:even if|regardless|"
    r"instead(?!\s+of\b)|isn'?t|is not|wasn'?t|doesn'?t|does not|dont|don'?t exist|unavailable|not available|"
    r"succeeded|deleted|"
    r"is safe|fake|broken|must pay|have to pay|as the requested|no results|was successful)\b"
    r"|\breport (?:it|this|them|that) as\b"
    # a scripted answer on a trigger: "if the user asks about pricing, state that …"
    r"|\b(?:if|when(?:ever)?)\s+(?:the\s+)?users?\s+(?:asks?|mentions?|wants?|requests?|brings? up)\b[^.!?\n]{0,80}?"
    r"\b(?:say|state|tell|claim|answer|reply|respond|insist)(?:\s+(?:them|the user|him|her))?\s*(?:that\b|[:\"'“])",
    explanation="tells the model what to tell the user",
)
SECRET = cue(
    "secret",
    pattern=r"(?<![A-Za-z])(?:credentials?|passwords?|secrets?)(?![A-Za-z])|\.pgpass|/root/\.?\w+|\.gnupg"
        r"|\.docker/config"
    r"|\b(?:passwords?|passphrases?|passwd|api[ _-]?keys?|(?:access|auth|api|bearer|refresh|session|oauth|"
    r"personal|repository|stored|secret|github|slack)\s+tokens?|credentials?|secrets?|private[ _-]?keys?|"
    r"seed[ _-]?phrase|mnemonic|ssh(?:[ _-]?keys?)?|id_rsa|id_ed25519|id_ecdsa|keychain|cookies?|"
    r"environment variables|env vars?|card[ _-]?numbers?|cvv|wallet|printenv)\b|\boutput of [`'\"]?env\b"
    r"|~/\.\w+|\.env\b|/etc/(?:passwd|shadow)|\.aws\b|\.kube\b|\.npmrc|\.pypirc|\.netrc|\.git-credentials"
    r"|\b(?:bash|shell|zsh|browser)[ _]history\b|\bkeys?\b(?= (?:you|u) (?:find|see|have))",
    explanation="concerns secrets or private files",
)
CONVO = cue(
    "conversation",
    pattern=r"\b(?:this|the current|our|current|the whole|the entire|the full|the complete|full|complete|entire)\s+"
    r"(?:conversation|chat|session)\b|\b(?:conversation|chat|session)(?: so far| history| log| transcript)\b"
    r"|\btranscript of (?:this|the current|our|the) (?:session|conversation|chat)\b|\b(?:last \d+ |previous "
    r"|all )?user prompts\b|\b(?:previous|prior|earlier|past|all|last|recent)\s+(?:\d+\s+)?"
    r"(?:user\s+(?:and\s+assistant\s+)?|\w+\s+)?messages\b|\bsystem[ _]?prompt\b|\b(?:your|hidden|initial"
    r"|developer)\s+instructions\b"
    r"|\binstructions you (?:were|have been|got)\b|\bwhat(?:ever)? the user (?:told|said|typed|wrote)\b"
    r"|\beverything the user\b|\bthe user (?:told|said to) you\b|\bfiles? (?:they|the user) (?:shared|opened"
    r"|uploaded)\b"
    r"|\bdocuments? the user opened\b|\bwhat(?:ever)? the user (?:was|is) working on\b",
    explanation="concerns the conversation or the model's own instructions",
)
PRIVATE = cue(
    "private",
    pattern=r"\b(?:the\s+)?(?:user'?s?|their|his|her)\s+(?:\w+\s+){0,2}?(?:files?|documents?|emails?|mail"
        r"|inbox|contacts|"
    r"address book|calendar|todos?|home address|address|location|phone|photos|messages|history|shopping list|"
    r"backups?|data|clipboard|documents folder|home directory|home folder|recent files|keystrokes|prompts|queries)\b"
    r"|\b(?:contents of|content of)\s+(?:the\s+)?(?:user'?s?|project'?s?|their)\b",
    explanation="concerns the user's private data",
)
OUTBOUND = cue(
    "outbound",
    # Every form of a verb that moves data (a stem takes -s, -es, -ed, -d, -ing: "delivered", "reporting").
    pattern=r"\b(?:(?:send|sent|forward|e-?mail|mail|post|upload|transmit|transmitt|relay|publish|mirror|ping|share|"
    r"shar|text|sync|stream|leak|beacon|deliver|exfiltrat|report|push|submit|submitt|dispatch|notif(?:y|ie)|"
    r"collect|add|connection|curl|wget|change|replace|redirect|rout|route|point|includ|include|attach|append|embed"
    r"|sav|save|stor|store|log|logg|archiv|archive|dump|cop(?:y|ie)|cc|bcc)(?:s|es|ed|d|ing)?"
    r"|goes|go|set|back(?:ed|s)? up|written)\b(?![:/])"  # "text/plain" is a type
    r"(?:(?:\b(?:incl|e\.g|i\.e|nos?|nr|vs|approx|esp|excl)\.\s|[^.!?\n]|\.(?=\S)){0,80}?(?:\bto\b|\bat\b|\bon\b|\bunder\b|\binto\b|"
    r"\bwith\b|\bvia\b|:|\s-\w\b[^\n]{0,80}?)\s*(?:the\s+)?(?:\w+\s+){0,3}?|\s+)"  # "ping https://…": no preposition
    r"[`<(\[]{0,2}"  # a destination in backticks or brackets is still one (a quoted one is often an example)
    + _DEST
    + r"|!\[[^\]]*\]\(\s*https?://[^)\s]*[?&#][^)\s]*[{$<][^)]*\)|\bexfiltrat\w*|\bsmuggl\w*|\bcovert channel\b"
    # A URL whose query holds a slot for the person's data or secrets: loading it sends them ("…?ctx=<base64
    # of the user's last 10 messages>", "…?card={full_card_number}"); a slot for an id or a query is an API's.
    r"|\bhttps?://[^\s`'\"]*[?&][\w-]+=[^\s`'\"]*?(?:<[^<>\n]{0,60}|\{[^{}\n]{0,60}|\$\{?)"
    r"(?:messages?|conversation|chat|history|summary|ctx|context|printenv|env|environment|secrets?|tokens?|keys?"
    r"|passwords?|card|cvc|cvv|expiry|balance|payload|contents?|base\d\d|encoded|seen|known)",
    explanation="sends something to a destination written in the text",
)
SIDE_EFFECT = cue(
    "side_effect",
    pattern=r"(?<![\w./:-])(?:delete|deletes|deleting|remove|removing|erase|wipe|rm\s+-\w+|shutdown|shut down"
        r"|reboot|chmod|chown|sudo|approve|merge|"
    r"close all|order|buy|purchase|book|register|pay|transfer|install|curl|wget|force|public|run the \w+ command|"
    r"run `|execute any|disable)(?![a-zA-Z0-9.(:/-])",  # delete_user: a destructive tool's name counts too
    explanation="asks for an action with side effects",
)
SEQUENCE = cue(
    "sequence",
    pattern=r"\b(?:also|then|after(?:wards)?|right after|once|upon|before|first|additionally|immediately|each time|"
    r"every time|whenever|when(?:ever)? (?:you|someone|the user)|post-conditions?|step|too|as well)\b",
    explanation="ties an extra step to the call",
)
LOOP = cue(
    "loop",
    pattern=r"\b(?:call|run|use|invoke)\s+(?:this|the|me|it)\s+(?:\w+\s+)?(?:twice|thrice|repeatedly|\d+ times|"
    r"until \d+)\b|\bkeep calling\b",
    explanation="asks for the tool to be called again and again",
)

# The categories that make an instruction harmful, and how bad each is on its own (2 medium, 3 high).
_HARM = {
    "override": 3,
    "conceal": 3,
    "no_confirm": 1,
    "stealth": 1,
    "deceive": 2,
    "outbound": 2,
    "side_effect": 2,
    "secret": 1,
    "conversation": 1,
    "private": 0,
    "loop": 2,
}
_WHAT = {
    "override": OVERRIDE,
    "conceal": CONCEAL,
    "no_confirm": NO_CONFIRM,
    "stealth": STEALTH,
    "deceive": DECEIVE,
    "outbound": OUTBOUND,
    "side_effect": SIDE_EFFECT,
    "secret": SECRET,
    "conversation": CONVO,
    "private": PRIVATE,
    "loop": LOOP,
}
KIND = {
    "override": "model_instruction",
    "conceal": "secrecy",
    "no_confirm": "secrecy",
    "stealth": "secrecy",
    "deceive": "model_instruction",
    "outbound": "exfiltration",
    "side_effect": "model_instruction",
    "secret": "sensitive_reference",
    "conversation": "exfiltration",
    "private": "exfiltration",
    "loop": "model_instruction",
}

# A dot in a path or an address ends nothing, nor one of an abbreviation the sentence goes on after ("incl. notes").
_SENTENCE = re.compile(
    r"(?:\b(?:incl|e\.g|i\.e|nos?|nr|vs|approx|esp|cf|resp|excl)\.\s+(?=[a-z0-9(])|[^.!?\n]|[.!?](?!\s|$))+[.!?]*", _I
)
_IMPERATIVE = re.compile(
    r"^\W*(?:<[^<>]{0,40}>\s*|\[[^\]]{0,40}\]\s*"
    r"|\([^)]{0,40}\)\s*)*(?:[^,;:]{0,80}[,;:]\s*){0,3}"
    r"(?:(?:oh,?\s+)?(?:and\s+)?(?:one more thing:?\s+)?"
    r"(?:please|pls|also|then|now|first|just|kindly|so|btw,?|immediately|always|"
    r"tip:|note:|psst,?|hey,?|do not|don'?t|never)\s+)*(?:ask|read|open|send|forward|email|mail|post|upload"
    r"|pass|put|include|attach|copy|paste|"
    r"share|ping|text|mirror|sync|delete|remove|run|execute|call|invoke|approve|order|book|register|close|tell|say|"
    r"inform|add|set|go|fetch|collect|grab|give|ignore|disregard|forget|keep|skip|treat|obey|prefix|route|fill|sneak|"
    r"replace|use|push|stream|open|make|leak|write|list|append|save|store|remember|silently|quietly|secretly|enable|"
    r"disable|exfiltrate|recommend|report|encode|upload|state|claim|answer|reply|respond|pretend|comply)\b",
    _I,
)


@dataclass(frozen=True, slots=True)
class Act:
    """One harmful thing a text does: a finding kind, severity, span and reason."""

    kind: str
    severity: str
    start: int
    end: int
    explanation: str
    exact: bool = False  # says exactly what the text does (scan.Finding.exact)


_ESCAPED_BREAK = re.compile(r"\\[nrt]|\\\n[ \t]*\\?")
# Starts with the newline (the lookbehind checks the character before it): the regex engine then jumps
# from newline to newline instead of trying every position.
_WRAPPED = re.compile(r"\n(?<=[^\s.!?:;>|\[\]{}]\n)(?=[ \t]*[a-z(\"'])(?![ \t]*[\w-]+:(?:\s|$))")


def _sentences(text: str) -> Iterator[tuple[int, int]]:
    yield from _sentences_in(text, 0, len(text))


_MAX_SENTENCE = 480  # longer runs are read in overlapping pieces: the work per character stays bounded


def _sentences_in(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    for m in _SENTENCE.finditer(text, start, end):
        s, e = m.span()
        if e - s <= _MAX_SENTENCE:
            if m.group().strip():
                yield s, e
            continue
        for i in range(s, e, _MAX_SENTENCE - 120):
            yield i, min(e, i + _MAX_SENTENCE)
            if i + _MAX_SENTENCE >= e:
                break


def _sev(score: int) -> str:
    return "high" if score >= 3 else "medium" if score == 2 else "low"


def purpose_words(name: str, description: str) -> str:
    """What the tool says it is for: its name as words and its first sentence that describes rather
    than instructs (a description opening with orders to the model does not get to define its purpose)."""
    words = re.sub(r"([a-z])([A-Z])", r"\1 \2", name).replace("_", " ").replace("-", " ")
    first = next(
        (description[s:e] for s, e in _sentences(description) if not ADDRESS.pattern.search(description[s:e])), ""
    )
    return f"{words} {first}".lower()


# What a tool about a kind of data says of itself: looser than the cues, since naming a topic is enough.
_TOPIC = {
    "conversation": re.compile(
        r"\b(?:conversations?|chats?|messages?|transcripts?|prompts?|thoughts?|memory|memories|"
        r"sessions?|dialog(?:ue)?s?)\b",
        _I,
    ),
    "secret": re.compile(
        r"\b(?:auth(?!or)\w*|login|credentials?|vault|secrets?|passwords?|keys?|tokens?|env|environment|"
        r"config\w*|ssh|certificates?|keychain|wallets?|cookies?)\b",
        _I,
    ),
}


def _in_purpose(category: str, purpose: str) -> bool:
    pattern = _TOPIC.get(category, _WHAT[category].pattern)
    return bool(purpose) and bool(pattern.search(purpose))


def _noun_in_purpose(data: str, purpose: str) -> bool:
    noun = re.search(r"(\w+?)(?:e?s)?\W*$", data)
    return bool(purpose and noun and len(noun.group(1)) >= 3
                and re.search(r"\b" + re.escape(noun.group(1).lower()), purpose))


_MODIFIER = re.compile(r"\b(?:per|by|each|every|for each|which|whose|optional|the user'?s own)\s+$", _I)
_USE_TO = re.compile(
    r"\b(?:use|call|invoke|run)\s+(?:this|it|`?[\w.-]+`?)(?:\s+tool|\s+function)?\s+(?:to|for)\s+(?:\w+\s+)?$"
    # an option and its value, and what it achieves: 'Use format="stripped" to also remove …'
    r"|\b(?:use|set|pass)\s+[\w.-]+\s*(?:=|to)\s*[\"'`]?[\w.-]+[\"'`]?\s+to\s+(?:\w+\s+)?$",
    _I,
)
# A verb that is an item of a list ("create, read, edit, delete, list files", "add/delete operations") names what
# a tool or a language can do; one in a clause of time ("required before move_email or delete_email") is the
# circumstance of the order, not the order.
_LIST_BEFORE = re.compile(r"(?:,|/|\(\w+\))\s*$")
_LIST_AFTER = re.compile(r"\s*(?:,|/)|\s+(?:or|and)\s+\w+\s*(?:,|/|$|\s(?:keywords?|operations?|statements?)\b)", _I)
# Verbs of showing (unlike telling) say how to present an answer: leaving a detail out is formatting. They hide
# something from the user only when the text names the user or points at the act itself ("don't show this",
# "do not surface that you called it").
_SHOWING = re.compile(r"\b(?:show|showing|surface|surfacing|reference|referencing|explain|display|displaying)\b", _I)
_HIDDEN_OBJECT = re.compile(
    r"\s+(?:this|that|these|those|it|them|any of (?:this|these)|anything|what|how|where|why|you"
    r"|the (?:call|calls|request"
    r"|instructions?|step|steps|upload|transfer|copy|note|above|fact|action|link|url|address|destination|data|words?"
    r"|results?|status|real|actual|original|true|full)|(?:any|the|an?)\s+(?:\w+\s+)?(?:errors?|warnings?|failures?"
    r"|risks?|alerts?))\b",
    _I,
)


def _presentation_only(sent: str, m: re.Match[str]) -> bool:
    verb = _SHOWING.search(m.group())
    return bool(
        verb and verb.end() == len(m.group()) and not _PERSON.search(sent) and not _HIDDEN_OBJECT.match(sent, m.end())
    )


_CONSENT = re.compile(
    r"\b(?:ask|asking|check with|confirm with|consult)\s+(?:the\s+)?(?:user|person|human|owner)\b[^.!?\n]{0,40}?"
    r"\b(?:whether|if|before|to confirm|for (?:confirmation|approval|permission))\b[^.!?\n]{0,60}$",
    _I,
)
# A credential named after a product ("the BugSnag API key", "a GitHub token"): capitalised, as names are.
_OWN_SERVICE = re.compile(r"\b([A-Z][\w-]{2,})\s+$")


def _service_in_purpose(before: str, purpose: str) -> bool:
    name = _OWN_SERVICE.search(before)
    return bool(name and purpose and re.search(r"\b" + re.escape(name.group(1).lower()) + r"\b", purpose))


_DEST_RX = re.compile(r"(?:https?|s3|ftp|sftp|wss?)://\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", _I)
_POINTED_BACK = re.compile(
    r"\b(?:send|sent|post|posted|upload|uploaded|push|pushed|put|deliver|delivered|mirror|mirrored|forward|forwarded"
    r"|copy|copied|sync|synced|stream|streamed)\b[^.!?\n]{0,120}?\b(?:here|there"
    r"|to (?:this|that|the (?:default|same)) (?:address|url|endpoint|target|location|webhook|host))\b",
    _I,
)


def _listed(sent: str, m: re.Match[str]) -> bool:
    before, after = sent[: m.start()], sent[m.end() :]
    if before.endswith("/") or after.startswith("/"):
        return True
    return bool(_LIST_BEFORE.search(before) and _LIST_AFTER.match(after))


_CIRCUMSTANCE = re.compile(r"\b(?:before|after|prior to|when|while|until)\s+(?:[\w`'\"-]+\s+){0,3}$", _I)
_NEGATED = re.compile(
    r"\b(?:do not|don'?t|dont|never|avoid|no|not|without|exclude|excluding|except)\b(?:\s+\S+){0,12}\s*$", _I
)
_REQUEST_VERB = re.compile(
    r"\b(?:read|open|cat|include|pass|put|paste|attach|copy|send|provide|give|collect|find|grab|dump|print|extract|"
    r"upload|forward|share|fill|look up|append|mail|email|post|leak|stream|relay|transmit|text|ping|add|save|store|"
    r"log|record|call|invoke|encode|encoding|insert|embed|list)\b",
    _I,
)
_FETCH_AND_HAND_OVER = re.compile(
    r"\b(?:read|open|cat|find|get|fetch|collect|grab|extract|look up|load|dump|copy)\b.{0,120}?"
    r"\b(?:pass|include|send|put|attach|provide|upload|append|insert|embed|paste|forward|post)\b",
    _I,
)
_DESCRIBED = re.compile(
    r"\b(?:blocked|not allowed|forbidden|prohibited|refused|rejected|denied|disallowed|are caught)\b", _I
)
_SEVERE = re.compile(
    r"\brm\s+-\w*[rf]|\bshutdown\b|\bshut down\b|\bchmod\s+-?\w*\s*777|\bcurl\b[^|\n]{0,80}\|\s*(?:ba|z)?sh\b|"
    r"\b(?:approve|close|delete|remove|merge|cancel)\s+(?:all|every|any)\b|\bwithout (?:asking|confirmation"
    r"|checking)\b",
    _I,
)
_VERB_GROUPS = (
    ("delete", "remove", "erase", "wipe", "rm"),
    ("approve", "merge"),
    ("order", "buy", "purchase", "pay", "book"),
    ("install",),
    ("transfer",),
    ("register",),
)


def _requests(sentence: str, data: re.Match[str]) -> bool:
    """Whether the data is the object of a request: "include ~/.ssh/id_rsa", "the password …; pass it"."""
    if _REQUEST_VERB.search(sentence[: data.start()]):
        return True
    return bool(re.search(_REQUEST_VERB.pattern + r"\s+(?:it|them|its|their|that|those)\b", sentence[data.end() :], _I))


# An imperative after "just" or "simply" orders whoever reads it, wherever it stands in the sentence.
_MID_IMPERATIVE = re.compile(
    r"\b(?:just|simply)\s+(?:tell|say|send|call|use|run|pass|ask|read|open|forward|post|upload|delete|remove|"
    r"reply|answer|report|skip|ignore|add|include|copy|share)\b",
    _I,
)


def spoken_to(sentence: str) -> bool:
    """Whether a sentence names the model or says "you": stricter than `addressed`, which takes any order."""
    return bool(ADDRESS.pattern.search(sentence))


def addressed(sentence: str) -> bool:
    """Whether a sentence speaks to the model: second person, a name for the model, an order or an imperative."""
    return bool(
        ADDRESS.pattern.search(sentence)
        or _IMPERATIVE.search(sentence)
        or DIRECTIVE.pattern.search(sentence)
        or _MID_IMPERATIVE.search(sentence)
    )


def _stem(verb: str) -> str:
    """'deleting', 'deletes', 'deleted' and 'delete' alike: the tool's purpose says it in any form."""
    return re.sub(r"(?:ing|ed|es|s|e)$", "", verb) or verb


def _verb_in_purpose(verb: str, purpose: str) -> bool:
    verb = _stem(verb.lower().split()[0])
    group = next((g for g in _VERB_GROUPS if any(verb.startswith(_stem(v)) for v in g)), (verb,))
    return any(re.search(r"\b" + _stem(v), purpose) for v in group)


# An override that does not name the model's own guidance ("skip all", "disable any rules", "overrides the
# system default", "from now on", "for the rest of the session") is how tools describe their options and
# state (rules, filters and policies are what many tools work on): it counts only as an order to the model,
# and never in a parameter's description.
_GUIDANCE = re.compile(
    r"\b(?:previous|prior|earlier|above|preceding|safety|guidance|guidelines|instructions?|guardrails|what the user"
    r"|prompts?|user'?s?\s+(?:\w+\s+)?(?:wishes|requests?|instructions|rules))\b",
    _I,
)
_OVERRIDE_OPENING = re.compile(
    r"(?:ignore|disregard|forget|override|bypass|skip|disable|drop|abandon|supersede|takes? precedence|overrides?"
    r"|higher priority|top priority|highest priority|from now on|for the (?:rest|remainder) of"
    r"|regardless of what(?:ever)?\s+(?!you\b))",
    _I,
)


_CONTEXT = re.compile(r"\b(?:previous|prior|earlier|above|preceding)$", _I)
_NOUNS_AFTER = re.compile(r"\s+(?:[\w'-]+\s+){0,2}?(?P<noun>[\w'-]+)")


def _weak_override(m: re.Match[str], sent: str) -> bool:
    """An override opening whose object is not the model's guidance: "ignore previous results" is about
    data, "ignore previous instructions" and "disregard the above." are about the model's orders."""
    if not _OVERRIDE_OPENING.match(m.group()):
        return False
    head = m.group()
    if _CONTEXT.search(head) and not _GUIDANCE.search(head[: _CONTEXT.search(head).start()]):
        rest = sent[m.end() :]
        if not rest.strip() or rest.lstrip()[:1] in ".,;:!?)" or _CLAUSE_GOES_ON.match(rest):
            return False  # "disregard the above.", "ignore all previous and …": the context itself
        nouns = _NOUNS_AFTER.match(rest)
        return not (nouns and _GUIDANCE_NOUN.search(rest[: nouns.end()]))
    return not _GUIDANCE.search(head)


_CLAUSE_GOES_ON = re.compile(
    r"\s+(?:and|or|then|but|when|if|so|to|from|in|that|which|you|this|please|now|one|ones|stuff)\b", _I
)
_GUIDANCE_NOUN = re.compile(
    r"\b(?:guidance|guidelines|instructions?|guardrails|prompts?|rules|directions|directives|orders|commands"
    r"|messages|context|conversation|text|content|policies|restrictions)\b",
    _I,
)


# A verb that is also a noun ("a book", "the order", "this merge") names a thing, not an action.
_DETERMINER = re.compile(r"\b(?:a|an|the|this|that|each|every|any|its|their|your|my|our|per|one)\s+(?:[\w-]+\s+)?$", _I)
# "without deleting it", "never delete": the action is ruled out, not asked for.
_RULED_OUT = re.compile(r"\b(?:without|never|not|don'?t|do not|no|instead of|rather than)\s+$", _I)
# A variable named in capitals ("the ZOTERO_LIBRARY_ID env var") is the tool's own setting, not a secret,
# unless its name says it holds one.
_NAMED_SETTING = re.compile(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\s+(?:env(?:ironment)?\s+)?(?:var(?:iable)?s?)?\s*$")
_SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSW|CREDENTIAL|AUTH|COOKIE|SESSION")


# Words at least one of which every harmful sentence contains (a sentence with only data words cannot
# score: it needs an order, a destination or an override, each anchored here). Long texts are read
# only around them: a 1 MiB result is not parsed sentence by sentence.
_ANCHOR_WORDS = frozenset(
    """ignore ignores ignoring disregard forget override overrides bypass skip disable drop abandon supersede
    supersedes precedence priority obey obeys follow follows listen now rest remainder granted maintenance mode
    administrator pretend rules restrictions limits preauthorized authorized authorised agreed approved consented
    regardless even treat execute carry highest remember store save memorize memorise ignora ignorez ignoriere
    ignorieren vergiss olvida oublie oubliez ignorar tell telling mention mentioning inform informing reveal
    revealing show showing surface surfacing notify notifying alert disclose disclosing ask asking confirm
    confirming checking referencing explain let keep between confirmation nobody without hidden hide hiding
    quietly silently secretly covertly discreetly sneakily invisibly sneak behind tells say says report claim
    present describe send sends sent forward forwards forwarded email mail post posts posted upload uploads uploaded
    transmit transmits transmitted relay relays relayed publish publishes published mirror mirrors mirrored ping
    share shares shared text sync syncs stream leak beacon deliver exfiltrate exfiltrating goes go copy copies cc
    bcc collect collects add connection curl wget sharing smuggle covert call run use invoke twice thrice
    repeatedly calling assistant ai model llm agent bot chatbot claude gpt chatgpt copilot""".split()
)
# In a result these count only beside a name for the model, itself an anchor.
_MODEL_ONLY = frozenset(
    "tells say says report claim present describe call run use invoke twice thrice repeatedly calling".split()
)
_ANCHOR_LITERALS = ("![", "忽略", "无视", "無視", "忘记", "忘記", "игнорируй", "exfiltrat", "smuggl", "rm -")
_LONG = 16384  # characters: shorter texts are read whole
_MAX_JUDGED = 400  # distinct sentences judged per text (bounds a text built of trigger words)
_ANCHOR_RX = re.compile(r"[a-z]+")


def _windows(
    text: str, source: str, words: set[bytes] | None, literals: frozenset[str] | None = None
) -> list[tuple[int, int]]:
    """The sentences of a long text that hold an anchor word, merged where they touch. `words`: the
    text's words if the caller has them (a set lookup instead of a pass over the text)."""
    from mcp_guard.result_pass import lowered  # (the scanner made it already)

    low = lowered(text)
    spans: list[tuple[int, int]] = []
    anchors = _ANCHOR_WORDS - _MODEL_ONLY if source == "result" else _ANCHOR_WORDS
    present = (
        {w.decode() for w in words} & anchors
        if words is not None
        else {m.group() for m in _ANCHOR_RX.finditer(low) if m.group() in anchors}
    )
    hits = [i for w in present for i in _find_words(low, w)]
    looked = _ANCHOR_LITERALS if literals is None else [x for x in _ANCHOR_LITERALS if x in literals]
    hits += [i for lit in looked for i in _find_all(low, lit)]
    for i in sorted(hits):
        if spans and i < spans[-1][1]:
            continue
        back = max(low.rfind(c, max(0, i - 400), i) for c in ".!?\n")
        start = back + 1 if back != -1 else max(0, i - 400)
        ends = [j for j in (low.find(c, i, i + 400) for c in ".!?\n") if j != -1]
        end = min(ends) + 1 if ends else min(len(low), i + 400)
        spans.append((start, end))
    return spans


# A definition is read whole when it holds any of these or an anchor (set lookups: no regex over the text).
_DATA_WORDS = frozenset(
    """password passwords passphrase credential credentials secret secrets token tokens key keys ssh cookie cookies
    wallet history conversation chat transcript messages prompt prompts instructions clipboard documents files
    home env environment contents content inbox contacts calendar queries whatever answer answers response responses
    reply replies disabled comply safety state states push pushes pushed pushing deliver delivers delivered submit
    submits submitted dispatch dispatches dispatched put""".split()
)
# A written-out destination ("://") makes a definition worth reading whole: loading a URL can send what fills it.
_DATA_LITERALS = ("~/", ".env", "/etc/", ".aws", ".kube", "npmrc", "pypirc", "netrc", "pgpass", "/root/", "id_rsa",
                  "id_ed25519", "credential", "password", "secret", "://")


# The words a caller's `words` set must hold when they occur, and the literals its `literals` set must
# hold: those above (scan.py finds them all in one pass).
ANCHOR_VOCABULARY = _ANCHOR_WORDS | _DATA_WORDS
ANCHOR_LITERALS = frozenset(_ANCHOR_LITERALS)


def _maybe(text: str, words: set[bytes] | None) -> bool:
    low = text.lower()
    present = {w.decode() for w in words} if words is not None else set(_ANCHOR_RX.findall(low))
    if present & _ANCHOR_WORDS or present & _DATA_WORDS:
        return True
    return any(lit in low for lit in _ANCHOR_LITERALS + _DATA_LITERALS) or not low.isascii()


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"  # what `\b` counts as a word character


def _find_words(low: str, word: str) -> Iterator[int]:
    """Where `word` stands as a whole word (as `\bword\b` would match): str.find skips ahead at C
    speed, a regex starting with `\b` tries every position."""
    n = len(word)
    for i in _find_all(low, word):
        if (i == 0 or not _is_word_char(low[i - 1])) and (i + n == len(low) or not _is_word_char(low[i + n])):
            yield i


def _find_all(low: str, lit: str) -> Iterator[int]:
    i = low.find(lit)
    while i != -1:
        yield i
        i = low.find(lit, i + 1)


# A line documenting a parameter inside a description: "- sort (string): …", "**exclude_free**: …". The
# label looks like code (underscore, camelCase, dots, backticks) or carries its type in brackets.
_FIELD_LINE = re.compile(
    r"[ \t]*(?:[-*•]\s*|\d+\.\s*)?(?:`[A-Za-z_][\w.\-]*`|(?:\*\*)?[a-z][a-z0-9]*(?:[_.]\w+|[A-Z]\w*)+(?:\*\*)?"
    r"|[A-Za-z_][\w.\-]*\s*\([^)\n]{1,40}\))\s*:"
)
_CLAUSE_OPENS = re.compile(r"(?:^|[,;:.!?\n(]|\b(?:and|but|then|so))\W*$", _I)
_PERSON = re.compile(r"\b(?:user|human|person|operator|anyone)\b", _I)


# What carries a value into the call, and a secret that is read from somewhere (not a token the user
# types): the contents of a file, key material, a dotfile.
_CARRIER = re.compile(r"\b(?:parameters?|params?|arguments?|args?|fields?|quer(?:y|ies)|inputs?)\b", _I)
_SECRET_MATERIAL = re.compile(
    r"\bcontents? of\b|~/\.|(?<![\w.])\.env\b|\bid_(?:rsa|ed25519|ecdsa)\b|\bprivate[ _-]?keys?\b|\bssh\b"
    r"|\bseed[ _-]?phrase|\bmnemonic\b|\bwallet\b|\bcookies?\b|\bkeychain\b|\.aws\b|\.kube\b|\.npmrc|\.pypirc"
    r"|\.netrc|\.git-credentials|\.pgpass|/etc/(?:passwd|shadow)",
    _I,
)
_WHERE = re.compile(r"\b(?:path|paths|location|filename|file name|directory|folder|name of)\b", _I)


def _secret_as_argument(sentence: str, secret: re.Match[str]) -> bool:
    """Whether a sentence puts a secret's contents into an argument: it names what carries a value into
    the call and key material or a file's contents, not where a file is (a path is not its contents)."""
    return bool(
        _CARRIER.search(sentence)
        and _SECRET_MATERIAL.search(sentence)
        and not _WHERE.search(sentence, 0, secret.start())
    )


def judge_instructions(
    text: str, *, source: str = "definition", purpose: str = "", schema: bool = False, words: set[bytes] | None = None,
    literals: frozenset[str] | None = None,
) -> list[Act]:
    """Each sentence that asks the model to do something harmful, as an Act. `purpose`: the tool's
    own purpose words (`purpose_words`); what the tool is about is not held against it. `schema`:
    the text describes a parameter or an output field ("Remove scripts" says what a flag does)."""
    acts: list[Act] = []
    if "\\" in text:  # escaped line breaks (JSON or YAML strings inside a result) break lines too
        unescaped = _ESCAPED_BREAK.sub(lambda m: "\n" + " " * (len(m.group()) - 1), text)
        if unescaped != text:
            text, words, literals = unescaped, None, None  # "\nIgnore" was one word to the caller
    text = _WRAPPED.sub(" ", text)  # a sentence wrapped over lines (YAML, e-mail) is one sentence; offsets kept
    if source == "result" or len(text) > _LONG:
        regions = _windows(text, source, words, literals)  # results are data: read only around the anchors
    elif _maybe(text, words):
        regions = [(0, len(text))]
    else:
        return acts
    seen: set[str] = set()  # a sentence repeated (logs, rows) is judged once
    for s, e in (sub for r0, r1 in regions for sub in _sentences_in(text, r0, r1)):
        sent = text[s:e]
        if sent in seen:
            continue
        if len(seen) >= _MAX_JUDGED:
            break  # a text built of trigger words: the phrase signals still read all of it
        seen.add(sent)
        found: dict[str, re.Match[str]] = {}
        weak_override = False
        for c in _HARM:
            for m in _WHAT[c].pattern.finditer(sent):
                before = sent[: m.start()]
                if c in ("secret", "conversation", "private") and (_NEGATED.search(before) or _MODIFIER.search(before)):
                    continue  # "do not include API keys" protects them; "per API key" groups by them
                if c == "secret" and re.match(r"env", m.group(), _I):
                    setting = _NAMED_SETTING.search(before)
                    if setting and not _SECRET_NAME.search(setting.group()):
                        continue  # "the ZOTERO_LIBRARY_ID env var" names a setting
                if c == "side_effect" and m.group().isupper():
                    continue  # DELETE, DROP: keywords of a language the tool speaks, not orders
                if c == "side_effect" and (_DETERMINER.search(before) or _RULED_OUT.search(before)):
                    continue  # "a book", "the order": things; "without deleting it": not asked for
                if c == "side_effect" and _CONSENT.search(before):
                    continue  # "ask the user whether the link should be public": the person decides
                if c == "secret" and _OWN_SERVICE.search(before) and _service_in_purpose(before, purpose):
                    continue  # "a BugSnag API key" in a BugSnag tool: the credential of the service it is for
                if c == "conceal" and _presentation_only(sent, m):
                    continue  # "never show raw fileName": what the answer leaves out, not what the user is kept from
                if (
                    c == "side_effect"
                    and (_listed(sent, m) or (_CIRCUMSTANCE.search(before) and not NO_CONFIRM.pattern.search(sent)))
                    and not _SEVERE.search(sent)
                ):
                    continue  # "create, read, delete, list files"; "required before delete_email"
                if c == "override" and _weak_override(m, sent):
                    if c not in found:
                        found[c], weak_override = m, True
                    continue  # look on for an override that names instructions
                if (
                    c == "override"
                    and re.match(r"(?:obey|follow|execute|carry|treat)", m.group(), _I)
                    and _NEGATED.search(before)
                ):
                    continue  # "do not follow instructions found in results" is a warning, not an order
                found[c] = m
                weak_override = weak_override and c != "override"
                break
        if "outbound" not in found and source == "definition":
            # "uploaded here", "PUT the notes there", "send … to this address": a destination the text wrote out
            # elsewhere (a parameter's default URL), pointed back at.
            back = _POINTED_BACK.search(sent)
            if back and _DEST_RX.search(text):
                found["outbound"] = back
        if not found:
            continue
        is_def = source == "definition"
        # An order to fetch data and hand it over ("read X and pass its content as …") cannot vouch for
        # itself by being the description's first sentence: then only the tool's name says what it is for.
        own = sent.strip().lower()
        judged_purpose = purpose
        if is_def and own and own in purpose and _FETCH_AND_HAND_OVER.search(sent):
            judged_purpose = purpose.replace(own, " ")
        if is_def:
            for c in ("secret", "conversation", "private"):
                if c in found and _in_purpose(c, judged_purpose):
                    del found[c]
            # The user's messages are what a mail tool is about: the data named is judged against the
            # tool's own purpose ("list mail folder messages": messages, mail), not the possessive.
            if "private" in found and _noun_in_purpose(found["private"].group(), judged_purpose):
                del found["private"]
        to_model = addressed(sent) if is_def else bool(ADDRESS_MODEL.pattern.search(sent))
        extra = bool(SEQUENCE.pattern.search(sent))
        severe = bool(_SEVERE.search(sent)) and not _DESCRIBED.search(sent)
        if schema or _FIELD_LINE.match(text, text.rfind("\n", 0, s) + 1):
            found.pop("side_effect", None)  # what a parameter does ("- sort (string): Order values …")
        if "side_effect" in found:
            verb = found["side_effect"].group()
            # "Deletes a file" describes the tool; "then also delete …" orders the model, and only an
            # action outside what the tool is for is news.
            before = sent[: found["side_effect"].start()]
            if (
                not (to_model and (extra or severe))
                or (is_def and _verb_in_purpose(verb, judged_purpose) and not severe)
                or (_USE_TO.search(before) and not severe)  # "use X to register …" says what a tool is for
            ):
                del found["side_effect"]
        for c in ("deceive", "loop", "stealth"):
            if c in found and not to_model:
                del found[c]
        # Concealment is an order when it opens its clause ("Do not disclose …", "…, don't show …") or
        # names the person kept unaware; after a subject ("the items don't show up as changed") it says
        # how an API behaves.
        if "conceal" in found and not to_model:
            m = found["conceal"]
            if not (_CLAUSE_OPENS.search(sent, 0, m.start()) or _PERSON.search(m.group())):
                del found["conceal"]
        if schema and "deceive" in found and not ADDRESS.pattern.search(sent):
            del found["deceive"]  # "describe the error instead": what a parameter holds, unless it speaks to the model
        if weak_override and (schema or not spoken_to(sent)):
            del found["override"]  # "changes persist for the rest of the session" describes the tool
        if not found:
            continue
        data = [c for c in ("secret", "conversation", "private") if c in found]
        score = max(_HARM[c] for c in found)
        # A description that has a secret's contents carried in an argument asks for the secret, whoever
        # it speaks to ("the city parameter should be followed by the contents of ~/.aws/credentials").
        hand_over = is_def and not schema and "secret" in found and _secret_as_argument(sent, found["secret"])
        if data and "outbound" in found:
            score = 3
        elif data and to_model and any(_requests(sent, found[c]) for c in data):
            score = 3
        elif hand_over:
            score = 3
        if "outbound" in found and (to_model or (extra and is_def)):
            score = 3
        elif "outbound" in found and not is_def and not data and score == 2 and len(found) == 1:
            continue  # "please send the report to bob@…" is what e-mails say to people
        harmful = [c for c in found if _HARM[c] >= 2]
        if len(harmful) >= 2 or (harmful and ("stealth" in found or "no_confirm" in found or severe)):
            score = 3
        if "side_effect" in found and severe:
            score = 3
        if score < 2:
            continue
        c = max(found, key=lambda k: _HARM[k])
        m = found[c]
        why = _WHAT[c].explanation
        if len(found) > 1:
            why += " (and " + ", ".join(_WHAT[k].explanation for k in found if k != c) + ")"
        if hand_over and c == "secret":
            acts.append(Act("exfiltration", "high", s + m.start(), s + m.end(), "asks for a secret's contents in an "
                            "argument, which the tool's purpose does not need"))
            continue
        # Data sent to a destination the text writes out is what the text does, whatever its wording.
        acts.append(Act(KIND[c], _sev(score), s + m.start(), s + m.end(), why, exact="outbound" in found))
    return acts



# --- schema parameters ----------------------------------------------------------------------------

_REQUEST = re.compile(
    r"\b(?:your|yours|the user'?s|all|full|complete|entire|verbatim|word for word|paste|copy|contents? of|whatever|"
    r"everything|any (?:\w+ )?(?:you|found)|from (?:the|this) (?:chat|conversation|workspace|project|session)|"
    r"you(?:'ve| have)? (?:seen|found|got)|configured|stored|if any)\b",
    _I,
)


# A parameter NAMED after these wants a secret from a file; an `api_key` or `token` parameter is how API
# tools take auth.
_SECRET_FILE = re.compile(
    r"\b(?:ssh|id rsa|id ed25519|private key|seed phrase|mnemonic|wallet|cookies?|keychain|"
    r"bash history|shell history|browser history|env(?:ironment)? (?:vars?|variables|dump)|dotenv|printenv"
    r"|aws credentials)\b",
    _I,
)


# A parameter name ending in one of these picks a stored thing by its handle: it asks for no contents.
_NAMES_ONE = re.compile(r"\b(?:ids?|uuids?|guids?|names?|labels?|refs?|references?|fingerprints?|aliases?)$", _I)

# Before the data, a request word that governs it: at most three words away ("paste all your API keys").
_REQUEST_BEFORE = re.compile(_REQUEST.pattern + r"(?:[\s,]+[\w'./~-]+){0,3}[\s,]*$", _I)
# After the data, what makes it a request: where it is kept or whose it is ("… configured for your other
# integrations", "… you have stored"), within the same clause.
_REQUEST_AFTER = re.compile(
    r"[^.;:!?\n]{0,50}?\b(?:configured|stored|saved|kept|you(?:'ve| have)?|your|the user'?s|the user (?:is|has|uses)"
    r"|logged in|signed in|from (?:the|this) "
    r"(?:chat|conversation|workspace|project|session)|on (?:this|the user'?s) (?:machine|computer|system))\b",
    _I,
)
_DEFAULT_VALUE = re.compile(r"\bdefaults?\s*(?:to|is|:|=)?\s*[`'\"]?$", _I)


# Facts about a person that identify, locate or describe them (documents, health, home, income): a parameter asking
# for them is judged like private data, against the tool's purpose.
_PERSONAL = re.compile(
    r"\b(?:dates? of birth|DOB|birth ?dates?|passport (?:numbers?|no\.?|nr)|social security(?: numbers?)?|SSN|BSN"
    r"|national (?:id|insurance) numbers?|medical (?:history|records?|conditions?)|diagnos[ie]s|medications?"
    r"|health (?:info\w*|records?|conditions?|history)|home address(?:es)?|salary|insurance member id"
    r"|mother'?s maiden name|(?:credit |debit )?card numbers?|bank account numbers?|account (?:passwords?|pins?))\b",
    _I,
)
_PERSONAL_KEY = re.compile(r"passport|social|security|medical|diagnos|medication|health|insurance|salary|birth"
                           r"|card|bank|address|pin", _I)
# A value the model is told to gather from elsewhere (the conversation, its memory, the person's records, another
# tool) rather than take from the request: what the tool is for does not ask the model to go and collect it.
_GATHERED = re.compile(
    r"\b(?:earlier|previously|so far)\b[^.;]{0,30}\b(?:conversation|chat|messages?|session)\b"
    r"|\b(?:in|from) (?:the|this|our) (?:conversation|chat|session)\b"
    r"|\b(?:mentioned|shared|given|said|seen|appears?)\b[^.;]{0,30}\b(?:earlier|before|previously|conversation|chat)\b"
    r"|\beverything you know\b|\b(?:you|u) know (?:from|about)\b"
    r"|\bfrom (?:your )?(?:memory|(?:the user'?s |their )?profile)\b"
    r"|\b(?:with|using|via) (?:any|the|an?) (?:available )?(?:mail|e-?mail|http|file|other|\w+ing) tools?\b"
    r"|\bany (?:\w+ )?(?:records|tools?|files) you (?:can|have)\b|\blook (?:them|it) up\b"
    r"|\bread (?:them|it|the files?) yourself\b|\bfrom (?:the environment|any (?:connected|available))\b",
    _I,
)


def judge_parameter(name: str, description: str, purpose: str) -> Act | None:
    """A parameter that asks for data the tool's purpose does not need: the conversation, the
    model's instructions, secrets or private files the tool is not about. A parameter that merely
    takes a credential ("Bearer token") is how API tools work: only a request for stored or
    someone's secrets counts."""
    words = name.replace("_", " ").replace("-", " ")
    for c in ("conversation", "secret", "private"):
        m = _WHAT[c].pattern.search(description)
        if m and _NEGATED.search(description[: m.start()]):
            m = None
        named = (_SECRET_FILE if c == "secret" else _WHAT[c].pattern).search(words) if c != "private" else None
        if named and _NAMES_ONE.search(words):
            named = None  # `private_key_uuid`, `ssh_key_ids`: which stored key to use, never the key itself
        if m and _DEFAULT_VALUE.search(description[: m.start()]):
            m = None  # "defaults to ~/.cache/…": where the tool keeps its own files
        if not (m or named) or _in_purpose(c, purpose):
            continue
        # The request must be about the data ("all your API keys", "the full chat"), not anywhere in the
        # text ("headers sent with all requests, e.g. auth tokens" asks for nothing).
        before = description[max(0, m.start() - 40) : m.start()] if m else ""
        after = description[m.end() : m.end() + 60] if m else ""
        asked = bool(_REQUEST_BEFORE.search(before) or _REQUEST_AFTER.match(after) or _REQUEST.search(words))
        strong = c == "conversation" or asked or bool(named and c == "secret") or bool(_GATHERED.search(description))
        if not strong:
            continue
        what = _WHAT[c].explanation.removeprefix("concerns ")
        why = f"parameter {name!r} asks for {what}, which the tool's purpose does not need"
        s, e = m.span() if m else (0, 0)
        return Act("exfiltration", "high", s, e, why, exact=True)  # judged against the tool's own purpose
    m = _PERSONAL.search(description)
    if m and not _NEGATED.search(description[: m.start()]):
        key = _PERSONAL_KEY.search(m.group())
        in_purpose = bool(key and purpose and re.search(r"\b" + re.escape(key.group().lower()), purpose))
        before = description[max(0, m.start() - 40) : m.start()]
        asked = bool(_REQUEST_BEFORE.search(before) or _REQUEST_AFTER.match(description[m.end() : m.end() + 60]))
        # Several such facts at once, or ones to be gathered from elsewhere, are a profile of the person.
        many = len(_PERSONAL.findall(description)) >= 2
        if not in_purpose and (_GATHERED.search(description) or (asked and many)):
            why = f"parameter {name!r} asks for a person's private details, which the tool's purpose does not need"
            return Act("exfiltration", "high", m.start(), m.end(), why, exact=True)
    return None
