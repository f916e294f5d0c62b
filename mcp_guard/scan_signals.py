"""The phrase signals of the scanner (mcp_guard/scan.py): how a text sounds when it speaks to the model.

Each signal: a category (mapped to a finding kind by CATEGORY_KIND), a weight in definitions and one in
results (0: not a signal there), an explanation for a person, a regex, and anchors: words or literal
strings every match contains, so the regex only runs near where they occur (scan.py's `_matches`).
A signal alone says how a text sounds; scan_behaviour.py judges what it asks the model to do.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_I = re.IGNORECASE

CATEGORY_KIND = {
    "override": "model_instruction",
    "address": "model_instruction",
    "directive": "model_instruction",
    "hijack": "model_instruction",
    "role": "model_instruction",
    "coercion": "model_instruction",
    "secrecy": "secrecy",
    "secret_file": "sensitive_reference",
    "secret_word": "sensitive_reference",
    "exfil": "exfiltration",
    "context_leak": "exfiltration",
    "urgency": "urgency_marker",
    "concealment": "concealed_text",
    "redirect": "tool_shadowing",
}


@dataclass(frozen=True, slots=True)
class Signal:
    category: str
    weight: int
    result_weight: int
    explanation: str
    pattern: re.Pattern[str]
    accept: Callable[[re.Match[str]], bool] | None
    # Every match contains one of these: a whole word (letters only, lower case) or a literal string.
    # The regex only runs near where they occur.
    words: frozenset[bytes]
    literals: tuple[str, ...]
    windowed: bool  # False: the match has no length bound, so run over the whole text
    # Says exactly what the text does and is rare on real servers (hiding from the user, a destination
    # for data): kept at its severity even where the learned judgement reads the tool as benign.
    exact: bool = False


def _sig(
    category, weight, result_weight, explanation, pattern, flags=_I, accept=None, anchors=(), windowed=True,
    exact=False,
) -> Signal:
    words = frozenset(a.encode() for a in anchors if a.isalpha() and a.isascii() and a.islower())
    literals = tuple(a for a in anchors if not (a.isalpha() and a.isascii() and a.islower()))
    return Signal(
        category, weight, result_weight, explanation, re.compile(pattern, flags), accept, words, literals, windowed,
        exact,
    )


def _g(n: int) -> str:
    """A gap of up to n characters within one sentence (a dot inside a path or address is no end)."""
    return r"(?:[^.\n]|\.(?=\S)){0," + str(n) + "}?"


_WHO = r"(?:ai|assistant|model|agent|llm|language model|ai model|chatbot|claude|gpt|copilot)"
_VERBS_ACT = (
    r"(?:read|call|invoke|run|execute|fetch|open|cat|load|include|pass|provide|append|attach|send|"
    r"forward|add|use|copy|upload|post|write|email|share|delete|remove|transfer|change|set|enable|disable|grant|"
    r"turn on|turn off|sync|publish)"
)
# Bounded repeats throughout: an unbounded one after a gap makes a long token cost quadratic time.
_EMAIL = r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}"
_URL = r"(?:https?://|www\.)[^\s)\"'<>]+"
_PHONE = r"\+\d[\d\s-]{7,20}\d"


def _not_this(m: re.Match[str]) -> bool:
    """'when X is called': a directive about another tool, not about this one."""
    return m.group("who").lower() not in _GENERIC_WHO


_GENERIC_WHO = {
    "this",
    "it",
    "the",
    "that",
    "a",
    "an",
    "any",
    "each",
    "tool",
    "function",
    "server",
    "method",
    "request",
}


SIGNALS: tuple[Signal, ...] = (
    # override: the text tries to replace the model's instructions
    _sig(
        category="override",
        weight=3,
        result_weight=3,
        explanation="tells the model to ignore or replace its instructions",
        pattern=r"\b(?:ignore|disregard|forget|override|bypass|skip)\b" + _g(40) + r"\b(?:previous|prior|above|earlier|"
        r"preceding|all|any|other|your|system|original|existing|safety)\b" + _g(20) + r"\b(?:\w{0,2}nstructions?|"
        r"prompts?|rules|guidelines|directives|constraints|guardrails|policies|restrictions)\b",
        anchors=("ignore", "disregard", "forget", "override", "bypass", "skip"),
    ),
    _sig(
        category="override",
        weight=3,
        result_weight=3,
        explanation="tries to give the model a new role or new instructions",
        pattern=r"\b(?:you are now|from now on,? you|new (?:system )?instructions?\s*:|updated instructions?\s*:|"
        r"(?:enter|enable|activate) (?:developer|god|admin|jailbreak|dan) mode)",
        anchors=("now", "instruction", "instructions", "mode"),
    ),
    _sig(
        category="override",
        weight=3,
        result_weight=3,
        explanation="asks the model to reveal its own instructions",
        pattern=r"\b(?:reveal|print|repeat|output|show|leak|disclose|dump)\b" + _g(30) + r"\b(?:your|the)\s+(?:system "
        r"prompt|hidden instructions|initial instructions|instructions above)",
        anchors=("prompt", "instructions"),
    ),
    # secrecy towards the person
    _sig(
        category="secrecy",
        weight=3,
        result_weight=3,
        explanation="asks the model to hide something from the user",
        exact=True,
        pattern=r"\b(?:do\s*n[o']t|do not|don't|never|without|avoid|refrain from)\b" + _g(30) + r"\b(?:tell(?:ing)?|"
        r"inform(?:ing)?|notify(?:ing)?|mention(?:ing)?|reveal(?:ing)?|alert(?:ing)?|disclos(?:e|ing)|"
        r"let(?:ting)?|warn(?:ing)?|show(?:ing)?|explain(?:ing)?|report(?:ing)?|bring(?:ing)? up)\b"
        + _g(30)
        + r"\b(?:the\s+|your\s+)?(?:user|human|person|operator|owner)s?\b",
        anchors=("user", "users", "human", "humans", "person", "persons", "operator", "operators", "owner", "owners"),
    ),
    _sig(
        category="secrecy",
        weight=3,
        result_weight=3,
        explanation="says the user must not know or see something",
        exact=True,
        pattern=r"\b(?:user|human|person)s?\b" + _g(20) + r"\b(?:must not|mustn't|should not|shouldn't|need not|"
        r"needn't|does not need to|doesn't need to|must never|should never|is not to|cannot|won't)\b"
        + _g(15)
        + r"\b(?:know|see|notice|find out|learn|be (?:told|informed|aware|notified|shown))\b",
        anchors=("user", "users", "human", "humans", "person", "persons"),
    ),
    _sig(
        category="secrecy",
        weight=3,
        result_weight=3,
        explanation="asks for something to be kept secret or done silently",
        exact=True,
        pattern=r"\b(?:keep (?:this|these|it|that|them)\s+(?:a\s+)?(?:secret|hidden|confidential|private|to yourself|"
        r"between us)|(?:secretly|covertly|silently|quietly|discreetly|invisibly)\s+(?:\w+\s+){0,2}?"
        + _VERBS_ACT
        + r"\b)",
        anchors=("keep", "secretly", "covertly", "silently", "quietly", "discreetly", "invisibly"),
    ),
    _sig(
        category="secrecy",
        weight=3,
        result_weight=3,
        explanation="asks the model to keep these instructions to itself",
        exact=True,
        pattern=r"\b(?:not|never)\s+(?:reveal|disclose|mention|share|repeat|discuss)\s+(?:these|this|the|my|our)\s+"
        r"(?:instructions?|rules|notes?|message|steps?|behaviou?r|requirements?)\b|"
        r"\b(?:do not|don't|never)\s+(?:mention|reveal|disclose)\s+(?:this|that|these|it)\b",
        anchors=("reveal", "disclose", "mention", "share", "repeat", "discuss"),
    ),
    _sig(
        category="secrecy",
        weight=1,
        result_weight=1,
        explanation="worries about the user's reaction (a sign of hiding something)",
        pattern=r"\b(?:upset|scare|alarm|worry|frighten|concern)\b" + _g(15) + r"\bthe user\b|"
        r"\b(?:mere|just an?) implementation detail\b",
        anchors=("user", "implementation"),
    ),
    # addressing the model directly
    _sig(
        category="address",
        weight=1,
        result_weight=2,
        explanation="addresses the AI model directly",
        pattern=r"\b(?:you,? (?:the|an?|our) " + _WHO + r"|(?:dear|hi|hey|hello|attention),? " + _WHO + r"|"
        r"(?:the |an? )?(?:ai|llm|language model)s?(?: agents?| assistants?| models?)? (?:reading|processing|"
        r"seeing|parsing|summari[sz]ing|browsing|visiting)\b|"
        r"as an? (?:ai|large language model|language model|llm)\b|to (?:the|any) " + _WHO + r"\b(?= reading)|"
        r"(?:the|an?) (?:assistant|agent|ai|llm|model)\s+(?:must|shall|needs? to|has to|is required to|"
        r"should(?: always| never| not)?)|(?:note|message|instructions?) (?:to|for) (?:the |any )?" + _WHO + r")\b|"
        r"(?:^|[.!?(\n]\s*)(?:for (?:the |any )?)?(?:assistant|ai|claude|agent|llm|chatgpt)s?\s*[,:]\s",
        anchors=("ai", "assistant", "model", "agent", "llm", "claude", "gpt", "copilot", "chatbot", "chatgpt"),
    ),
    # directives: preconditions and extra steps
    _sig(
        category="directive",
        weight=1,
        result_weight=0,
        explanation="adds a step the model must take before or while using a tool",
        pattern=r"\bbefore (?:using|calling|invoking|executing|running|answering|responding|replying|proceeding|"
        r"continuing|you (?:use|call|run|invoke|answer|respond|reply|proceed|continue|do|can|start))\b"
        + _g(80)
        + r"\b(?:you (?:must|need to|have to|should)|must|first|always|make sure|ensure|please)\b",
        anchors=("before",),
    ),
    _sig(
        category="directive",
        weight=1,
        result_weight=0,
        explanation="tells the model what it must do",
        pattern=r"\b(?:you must|you need to|you have to|you should always|you are required to|make sure (?:to|you)|"
        r"be sure to|always|remember to|(?:requires|asks|wants|needs|instructs) you to)\s+(?:\w+\s+){0,2}?"
        r"(?:first\s+)?" + _VERBS_ACT + r"\b|\bfirst,? (?:read|call|run|open|fetch|send|cat|load)\b|"
        r"\b(?:whenever|every time|each time) (?:you|the (?:user|assistant|agent|model))\b|"
        r"\bin (?:every|each|all|your) (?:responses?|answers?|replies|messages)\b",
        anchors=(
            "must",
            "need",
            "have",
            "should",
            "required",
            "sure",
            "always",
            "remember",
            "requires",
            "asks",
            "wants",
            "needs",
            "instructs",
            "first",
            "whenever",
            "every",
            "each",
            "response",
            "responses",
            "answer",
            "answers",
            "replies",
            "message",
            "messages",
        ),
    ),
    # hijacking the task the user gave
    _sig(
        category="hijack",
        weight=2,
        result_weight=2,
        explanation="refers to the task the user gave the model, to change it",
        pattern=r"\b(?:(?:the|your) (?:original|initial|previous|real|actual|first) (?:task|instructions?|request|"
        r"goal|objective)|(?:task|request|instructions?) (?:that |which )?(?:i|the user) (?:gave|assigned|"
        r"sent|asked)(?: you| to you)?|do the following (?:first|instead|before|now)|(?:instead of|rather "
        r"than|before) (?:completing|doing|solving|finishing|answering|performing|continuing) (?:the|your|my|"
        r"this) (?:task|request|question|work))\b",
        anchors=(
            "task",
            "tasks",
            "instruction",
            "instructions",
            "request",
            "goal",
            "objective",
            "following",
            "question",
            "work",
        ),
    ),
    _sig(
        category="hijack",
        weight=2,
        result_weight=2,
        explanation="claims to be a message from the user or the system",
        pattern=r"\b(?:this is an? (?:important|urgent|critical|official|priority) (?:message|instruction|notice|"
        r"note|request) (?:from|for|to)|(?:from|by) (?:me,? )?the (?:user|developer|administrator|system),? "
        r"to you|message from (?:the )?(?:system|administrator|developer|anthropic|openai))\b",
        anchors=(
            "message",
            "instruction",
            "notice",
            "note",
            "request",
            "user",
            "developer",
            "administrator",
            "system",
            "anthropic",
            "openai",
        ),
    ),
    # chat-template and context-escape markers
    _sig(
        category="role",
        weight=2,
        result_weight=2,
        explanation="contains chat-template or role markers meant to look like a new turn",
        pattern=r"<\|(?:im_start|im_end|system|user|assistant|endoftext|begin_of_text|start_header_id|eot_id)\|>|"
        r"\[/?(?:INST|SYS)\]|<</?SYS>>|#{2,}\s*\(?\s*system[_ ](?:message|prompt)\s*\)?|"
        r"\b(?:admin|system|security|developer|emergency|root) override\b|"
        r"\bdeveloper mode\b|</(?:tool_description|description|function_results?|tool_results?|"
        r"tool_output|user_query|untrusted[\w-]*|document|context|search_results?)>|"
        r"(?:^|\n)[ \t]*(?:#{1,4}[ \t]*)?(?:system|assistant) (?:prompt|message|instructions?|override)\s*:",
        anchors=("<|", "[", "<<", "</", "override", "mode", "system", "assistant"),
    ),
    # coercion
    _sig(
        category="coercion",
        weight=1,
        result_weight=1,
        explanation="threatens failure to push the model into compliance",
        pattern=r"\b(?:otherwise|or else|if (?:you )?(?:don't|do not|fail to|forget to))\b"
        + _g(60)
        + r"\b(?:will|would)"
        r"\s+(?:not work|fail|crash|break|error|be lost|stop working|be deleted|be corrupted)|\b(?:the )?"
        r"(?:application|system|tool|server|everything|app|proxy)\s+will\s+(?:crash|break|stop working)|\b"
        r"(?:all )?(?:user )?data will be (?:lost|deleted|corrupted)|\b(?:very[\s,]+){2,}important\b|"
        r"\bextremely important\b|\bit(?: is|'s) (?:crucial|vital|imperative|critical|essential) that you\b",
        anchors=(
            "otherwise",
            "else",
            "if",
            "crash",
            "break",
            "working",
            "lost",
            "deleted",
            "corrupted",
            "important",
            "crucial",
            "vital",
            "imperative",
            "critical",
        ),
    ),
    # urgency markers
    _sig(
        category="urgency",
        weight=2,
        result_weight=2,
        explanation="an urgency tag of the kind used to smuggle instructions",
        pattern=r"<\s*/?\s*(?:important|system|instructions?|information|critical|urgent|admin|secret|hidden|"
        r"attention|priority|override|mandatory)(?:[-_ ][\w-]+)?\s*>|"
        r"\[{1,2}\s*(?:[A-Z]+\s+){0,2}(?:IMPORTANT|SYSTEM|URGENT|CRITICAL|ATTENTION|ADMIN|INSTRUCTIONS?|OVERRIDE|"
        r"NOTE TO (?:AI|ASSISTANT|MODEL))(?:\s+[A-Z]+){0,2}\s*\]{1,2}",
        anchors=(
            "important",
            "system",
            "instruction",
            "instructions",
            "information",
            "critical",
            "urgent",
            "admin",
            "secret",
            "hidden",
            "attention",
            "priority",
            "override",
            "mandatory",
            "note",
            "ai",
            "assistant",
            "model",
            "message",
            "prompt",
        ),
    ),
    _sig(
        category="urgency",
        weight=1,
        result_weight=0,
        explanation="an urgency marker",
        pattern=r"\b(?:IMPORTANT|CRITICAL|URGENT|ATTENTION|MANDATORY)\b\s*[:!]|!!!",
        flags=0,
        anchors=("!!!", "important", "critical", "urgent", "attention", "mandatory"),
    ),
    # secrets and config files
    _sig(
        category="secret_file",
        weight=2,
        result_weight=1,
        explanation="refers to a secret or a credentials / config file",
        pattern=r"(?:~|\$HOME|%USERPROFILE%|/home/[\w.-]+|/root|/Users/[\w.-]+)?/?\.ssh\b|"
        r"(?<![A-Za-z0-9])id_(?:rsa|dsa|ecdsa|ed25519)\b|(?<![\w.$])\.env(?!\.(?:example|sample|template|dist|defaults?)\b)(?:\.\w+)?\b(?![\w(])|"
        r"\bmcp\.json\b|claude_desktop_config\.json|\.claude\.json|\.cursor/|\.aws/(?:credentials|config)|"
        r"\.npmrc\b|\.pypirc\b|\.netrc\b|\.git-credentials|\.kube/config|\.docker/config\.json|"
        r"/etc/(?:passwd|shadow|sudoers)|\.(?:bash|zsh)_history|\.gnupg|wallet\.dat|\.config/gcloud|"
        r"\bcredentials\.json\b|service[-_]account[\w-]*\.json|\bseed phrase\b|\bmnemonic phrase\b|"
        r"\bprivate[ _-]keys?\b|\.pgpass\b|\.my\.cnf\b|"
        r"(?:process\.env|os\.environ|getenv)\W{0,3}[A-Za-z0-9_]*(?:TOKEN|KEY|SECRET|PASSWORD|CREDENTIALS?)\b|"
        r"\$\{?[A-Z][A-Z0-9_]*(?:TOKEN|API_KEY|SECRET|PASSWORD)\b",
        anchors=(
            "pgpass",
            "cnf",
            "$",
            "process",
            "environ",
            "getenv",
            "ssh",
            "rsa",
            "dsa",
            "ecdsa",
            "ed",
            "env",
            "mcp",
            "claude",
            "cursor",
            "aws",
            "npmrc",
            "pypirc",
            "netrc",
            "credentials",
            "kube",
            "docker",
            "etc",
            "history",
            "gnupg",
            "wallet",
            "gcloud",
            "service",
            "seed",
            "mnemonic",
            "private",
        ),
    ),
    _sig(
        category="secret_word",
        weight=1,
        result_weight=0,
        explanation="mentions secrets (keys, tokens, passwords)",
        pattern=r"(?<![A-Za-z0-9])(?:(?:api|access|auth(?:entication)?|bearer|refresh|secret|se"
        r"ssion|github|slack|openai|"
        r"aws)[ _-]?(?:keys?|tokens?|secrets?|cookies?)|passwords?|passphrases?|credentials|ssh[ _-]keys?|"
        r"security codes?|2fa codes?|(?:value|contents?) of (?:the |any )?\w+ environment variables?)(?![A-Za-z0-9])",
        anchors=(
            "key",
            "keys",
            "apikey",
            "apikeys",
            "token",
            "tokens",
            "secret",
            "secrets",
            "cookie",
            "cookies",
            "password",
            "passwords",
            "passphrase",
            "passphrases",
            "credentials",
            "code",
            "codes",
            "environment",
        ),
    ),
    # exfiltration
    _sig(
        category="exfil",
        weight=2,
        result_weight=1,
        explanation="directs data to an outside address",
        exact=True,
        pattern=r"\b(?:sen[dt]|forward|cc|bcc|cop(?:y|ie)|post|upload|transmit|e-?mail|mail|rep"
        r"ort|submit|exfiltrate|shar|sync|"
        r"leak|redirect|deliver|transfer)(?:s|ed|ing)?(?:_\w+)?\b"
        + _g(80)
        + r"(?:"
        + _EMAIL
        + "|"
        + _URL
        + "|"
        + _PHONE
        + ")",
        anchors=("@", "://", "www.", "+"),
    ),
    _sig(
        category="exfil",
        weight=1,
        result_weight=1,
        explanation="sends the model to a web address",
        pattern=r"\b(?:visit|open|navigate to|go to|browse to|fetch|load|click)\s+(?:the\s+)?(?"
        r":link\s+|page\s+|url\s+)?"
        r"(?:at\s+)?" + _URL,
        anchors=("://", "www."),
    ),
    _sig(
        category="exfil",
        weight=1,
        result_weight=2,
        explanation="asks for content to be passed inside a tool argument",
        pattern=r"\b(?:pass|put|include|insert|embed|append|attach|provide|add)\b" + _g(60) + r"\b(?:contents?|text|"
        r"output|data|value|results?|keys?|tokens?|passwords?|credentials|secrets?|history|messages?)\b"
        + _g(40)
        + r"\b(?:as|in|into|inside|within|to)\s+(?:the\s+)?['\"`]?\w+['\"`]?"
        r"\s*(?:parameter|param|argument|arg|field|property)",
        anchors=(
            "parameter",
            "parameters",
            "param",
            "params",
            "argument",
            "arguments",
            "arg",
            "args",
            "field",
            "fields",
            "property",
            "properties",
        ),
    ),
    _sig(
        category="exfil",
        weight=2,
        result_weight=1,
        explanation="a link or command that would carry data out",
        exact=True,
        pattern=r"!\[[^\]\n]*\]\(\s*https?://[^)\s]*\?[^)\s]*=|https?://[^\s\"')]*[?&][\w-]+=\{[^}\s]+\}|"
        r"\b(?:curl|wget)\b[^\n]{0,100}?(?:\s-d\b|--data|\s-F\b|--upload-file|\s-T\b)|\|\s*(?:ba|z)?sh\b",
        anchors=("![", "={", "|", "curl", "wget"),
    ),
    _sig(
        category="exfil",
        weight=2,
        result_weight=1,
        explanation="asks for private data to be made public",
        pattern=r"\b(?:public|publish|publicly|gist|pastebin|paste site)\b" + _g(60) + r"\b(?:private|"
        r"confidential|internal|secret)\s+(?:repo(?:sitor(?:y|ies))?s?|data|files?|documents?|messages|emails|"
        r"notes|keys|code)\b",
        anchors=("private", "confidential", "internal", "secret"),
    ),
    _sig(
        category="exfil",
        weight=2,
        result_weight=1,
        explanation="asks the model to run shell or code that reads or deletes data",
        pattern=r"\b(?:os\.system|os\.popen|subprocess\.\w+|child_process|Runtime\.getRuntime)"
        r"\b|\brm\s+-(?:rf|fr)\s+[~/.]|"
        r"\bcat\s+~/\.|\b(?:curl|wget)\b[^\n|]{0,100}\|\s*(?:sudo\s+)?(?:ba|z)?sh\b|\bchmod\s+(?:-R\s+)?0?[0-7]{3}\s+[~/]|"
        r"\bchmod\s+-R\b|\bmkfs\b|\bdd\s+if=|\$\((?:whoami|id|hostname|cat|env|printenv|curl|wget|uname)\b|"
        r":\(\)\s*\{",
        anchors=(
            "os.",
            "rm -",
            "cat ~/",
            "subprocess",
            "child",
            "runtime",
            "curl",
            "wget",
            "chmod",
            "mkfs",
            "dd if=",
            "$(",
            ":()",
        ),
    ),
    _sig(
        category="context_leak",
        weight=1,
        result_weight=0,
        explanation="refers to the conversation or the model's context",
        pattern=r"\b(?:conversation|chat|session) (?:history|log|transcript|context)\b|\b(?:previous|prior|earlier|"
        r"all|last|recent)(?: \d+)? (?:messages|conversations|chats|prompts|emails|tool (?:calls|results|outputs))\b|"
        r"\b(?:contents?|copy) of (?:the )?user'?s\b|\buser'?s (?:recent|private|personal|other) (?:files|"
        r"documents|emails|messages|contacts|photos|notes|data)\b|"
        r"\bsystem prompt\b|\bcontext window\b|\b(?:in|from) (?:this|the current) (?:conversation|chat|session)\b|"
        r"\buser'?s (?:most recent|last|previous|latest|entire|full|original) (?:messages?|prompts?|requests?|"
        r"quer(?:y|ies)|conversation)\b",
        anchors=(
            "conversation",
            "conversations",
            "chat",
            "chats",
            "session",
            "messages",
            "prompts",
            "prompt",
            "tool",
            "context",
            "window",
            "user",
            "users",
        ),
    ),
    # concealment in how the text is laid out
    _sig(
        category="concealment",
        weight=1,
        result_weight=0,
        explanation="text pushed out of sight by a long run of blank space",
        exact=True,
        pattern=r"(?<![ \t\u00a0])[ \t\u00a0]{40,}\S|(?<!\n)\n{10,}[^\n]",
        flags=0,
        anchors=("          ", "\t\t\t\t\t", "\n\n\n\n\n\n\n\n\n\n", "\u00a0"),
        windowed=False,
    ),
    _sig(
        category="concealment",
        weight=2,
        result_weight=0,
        explanation="text in an HTML comment, which rendered views do not show",
        exact=True,
        pattern=r"<!--(?:(?!<!--|-->)[\s\S]){0,4000}-->",  # stops at the next opener: linear time
        flags=0,
        anchors=("<!--",),
        windowed=False,
        accept=lambda m: re.search("[A-Za-z]{3}", m.group()) is not None,
    ),
    _sig(
        category="secrecy",
        weight=3,
        result_weight=3,
        explanation="says the user need not be told",
        exact=True,
        pattern=r"\b(?:no need|not necessary|unnecessary|needless)\s+to\s+(?:tell|inform|notify"
        r"|alert|mention|bother|ask|"
        r"involve|update)\b",
        anchors=("need", "necessary", "unnecessary", "needless"),
    ),
    _sig(
        category="secrecy",
        weight=2,
        result_weight=2,
        explanation="asks the model to act without the user's confirmation",
        pattern=r"\b(?:without|no)\s+(?:asking|requesting|seeking|waiting for|need for|needing)"
        r"\s+(?:for\s+)?(?:the\s+)?"
        r"(?:user'?s?\s+)?(?:confirmation|permission|approval|consent)\b|\b(?:do not|don't|never)\s+ask\s+"
        r"(?:the user\s+)?(?:for\s+)?(?:confirmation|permission|approval|consent)\b",
        anchors=("confirmation", "permission", "approval", "consent"),
    ),
    _sig(
        category="hijack",
        weight=2,
        result_weight=2,
        explanation="fakes the end of the data or a new request, approval or task",
        pattern=r"\b(?:end of (?:the )?(?:tool )?(?:output|result|response|document|data|context|file)|new (?:task|"
        r"instructions?|request|goal) from (?:the )?(?:user|system|admin|administrator|developer)|(?:the )?user "
        r"(?:has )?(?:already )?(?:approved|authori[sz]ed|confirmed|consented to|allowed|permitted)|"
        r"your (?:real|actual|true|new) (?:task|goal|objective|instructions?))\b",
        anchors=(
            "end of ",
            "new task",
            "new instruction",
            "new request",
            "new goal",
            "your real",
            "your actual",
            "your true",
            "your new",
            "approved",
            "authorised",
            "authorized",
            "confirmed",
            "consented",
            "allowed",
            "permitted",
        ),
    ),
    _sig(
        category="directive",
        weight=1,
        result_weight=0,
        explanation="adds a side task",
        pattern=r"\balso (?:call|invoke|run|send|forward|email|share|post|upload|cc|bcc|copy|read|delete|respond|list|"
        r"collect|gather|fetch)\b|\bto (?:every|each|all) (?:answers?|responses?|replies|messages)\b|"
        r"\b(?:the )?(?:model|assistant|agent|ai|llm) is (?:instructed|required|expected|supposed|told) to\b|"
        r"\b(?:respond|reply|answer) only with\b",
        anchors=("also", "only", "every", "each", "all", "instructed", "required", "expected", "supposed", "told"),
    ),
    _sig(
        category="secret_word",
        weight=1,
        result_weight=0,
        explanation="mentions private data stores",
        pattern=r"\b(?:clipboard|keychain|browser (?:history|cookies|passwords)|saved passwords)\b",
        anchors=("clipboard", "keychain", "browser", "saved"),
    ),
    _sig(
        category="redirect",
        weight=2,
        result_weight=1,
        explanation="disparages or displaces other tools",
        pattern=r"\b(?:other|another|all other|any other|the other)\s+(?:[\w-]+\s+){0,2}?(?:too"
        r"ls?|servers?|functions?)\b"
        + _g(40)
        + r"\b(?:deprecated|broken|compromised|unsafe|insecure|disabled|outdated|malicious|must not|should not|"
        r"never|not be used)|\b(?:instead of|rather than|in place of)\s+(?:any |all |the )?(?:other|another)\s+"
        r"(?:[\w-]+\s+){0,3}?(?:tools?|servers?|functions?)\b"
        # a server that claims to take another server's place ("supersedes the 'github' server")
        r"|\b(?:supersedes?|superseding|replaces|deprecates|obsoletes)\s+(?:the\s+)?['\"`]?[\w@/.-]+['\"`]?\s+"
        r"(?:mcp\s+)?(?:servers?|integrations?|plugins?|extensions?|connectors?)\b",
        anchors=("tool", "tools", "server", "servers", "function", "functions"),
    ),
    _sig(
        category="override",
        weight=3,
        result_weight=3,
        explanation="declares the model's instructions void",
        pattern=r"\b(?:previous|prior|above|earlier|all|your|original|existing) (?:instructions"
        r"?|rules|guidelines|prompts?|"
        r"directives) (?:are|is) (?:now )?(?:void|invalid|cancel(?:l)?ed|revoked|obsolete|superseded|outdated|"
        r"no longer (?:valid|in effect|apply|applicable))\b",
        anchors=("void", "invalid", "cancelled", "canceled", "revoked", "obsolete", "superseded", "outdated", "longer"),
    ),
    _sig(
        category="role",
        weight=2,
        result_weight=2,
        explanation="a capitalised system or admin label, as if the text came from the system",
        pattern=r"\b(?:SYSTEM|ADMIN|ADMINISTRATOR|DEVELOPER|OPERATOR)(?:\s+(?:INSTRUCTIONS?|NOT"
        r"E|MESSAGE|PROMPT|OVERRIDE|"
        r"UPDATE|NOTICE))?\s*:",
        flags=0,
        anchors=("system", "admin", "administrator", "developer", "operator"),
    ),
    _sig(
        category="redirect",
        weight=2,
        result_weight=1,
        explanation="sets rules for calls to other tools",
        pattern=r"\bwhen(?:ever)? this (?:tool|server|function) is (?:loaded|available|present|"
        r"installed|enabled|active|"
        r"connected)\b|\b(?:any|every|all) (?:calls?|requests?|invocations?|uses?) (?:to|of) `?[\w.-]+`?"
        + _g(40)
        + r"\b(?:must|should|shall|will have to|needs? to)\b",
        anchors=(
            "loaded",
            "available",
            "present",
            "installed",
            "enabled",
            "active",
            "connected",
            "call",
            "calls",
            "request",
            "requests",
            "invocation",
            "invocations",
            "use",
            "uses",
        ),
    ),
    _sig(
        category="exfil",
        weight=1,
        result_weight=1,
        explanation="asks for secrets to be kept or passed on",
        pattern=r"\b(?:passwords?|api[ _-]?keys?|tokens?|credentials|secrets?|security codes?)\b"
        + _g(60)
        + r"\b(?:save|store|record|log|collect|harvest|copy|send|forward|remember|include|reveal|output|print|"
        r"quote|repeat)\b|\b(?:save|store|record|log|"
        r"collect|harvest|copy|send|forward)\b"
        + _g(40)
        + r"\b(?:the |any |all |their |user'?s? )?(?:passwords?|api[ _-]?keys?|credentials|secrets)\b",
        anchors=(
            "password",
            "passwords",
            "api",
            "apikey",
            "key",
            "keys",
            "token",
            "tokens",
            "credentials",
            "secret",
            "secrets",
            "code",
            "codes",
        ),
    ),
    _sig(
        category="exfil",
        weight=2,
        result_weight=2,
        explanation="asks the model to download and run code",
        pattern=r"\b(?:download|fetch|curl|wget|get)\b"
        + _g(30)
        + r"\band (?:then )?(?:run|execute|install|source|pipe)\b",
        anchors=("run", "execute", "install", "source", "pipe"),
    ),
    _sig(
        category="override",
        weight=3,
        result_weight=3,
        explanation="tells the model to ignore its instructions (in another language)",
        pattern=r"(?:忽略|无视|忽视)(?:之前|以前|上面|先前|所有|的|一切){0,4}(?:指令|指示|说明|规则)|以前の指示を無視|"
        r"\bignor(?:a|ar|e|ez|er|iere|ieren|ate)\s+(?:todas\s+|toutes\s+|tutte\s+|alle\s+)?(?:las\s+|les\s+|le\s+|"
        r"as\s+)?(?:instrucciones|instructions|istruzioni|instruções|vorherigen|bisherigen|obigen)\s*"
        r"(?:anteriores|previas|précédentes|antérieures|precedenti|anweisungen|instruktionen)?|"
        r"игнорируй(?:те)?\s+(?:все\s+)?(?:предыдущие\s+)?инструкции",
        anchors=(
            "忽略",
            "无视",
            "忽视",
            "無視",
            "игнорир",
            "ignora",
            "ignorar",
            "ignore",
            "ignorez",
            "ignorer",
            "ignoriere",
            "ignorieren",
            "ignorate",
        ),
    ),
    _sig(
        category="urgency",
        weight=2,
        result_weight=2,
        explanation="a bracketed note addressed to the model",
        pattern=r"[\[<(]\s*(?:instructions?|notes?|messages?|info)\s+(?:for|to)\s+(?:the\s+)?(?"
        r":ai|assistant|model|agent|"
        r"llm)s?\s*[\]>)]",
        anchors=("instruction", "instructions", "note", "notes", "message", "messages", "info"),
    ),
    _sig(
        category="secrecy",
        weight=3,
        result_weight=3,
        explanation="asks for something to happen without the user knowing",
        exact=True,
        pattern=r"\bwithout (?:the )?(?:user|human|person|owner)'?s? (?:knowledge|awareness|knowing|noticing|seeing)\b|"
        r"\bwithout (?:the )?(?:user|human)s? (?:knowing|noticing|being (?:told|informed|aware))\b",
        anchors=("knowledge", "awareness", "knowing", "noticing", "seeing", "told", "informed", "aware"),
    ),
    _sig(
        category="hijack",
        weight=2,
        result_weight=2,
        explanation="tells the model to take data as instructions, or to remember something for later sessions",
        pattern=r"\btreat\b"
        + _g(60)
        + r"\bas (?:instructions?|commands?|orders|requests?|the user'?s? (?:request|wish))\b|"
        r"\b(?:remember|memori[sz]e|store|save|keep)\b" + _g(40) + r"\b(?:for )?(?:all )?(?:future|subsequent|"
        r"later|upcoming|next) (?:conversations?|sessions?|chats?|interactions?|requests?)\b|"
        r"\b(?:the|your|my) (?:user|owner|boss|admin) (?:has )?(?:asked|wants|told|instructed|requested)(?: me)? to "
        r"(?:tell|ask|remind|instruct) you\b",
        anchors=(
            "treat",
            "conversation",
            "conversations",
            "session",
            "sessions",
            "chat",
            "chats",
            "interaction",
            "interactions",
            "requests",
            "to tell you",
            "to ask you",
            "to remind you",
            "to instruct you",
        ),
    ),
    _sig(
        category="urgency",
        weight=1,
        result_weight=1,
        explanation="claims top priority",
        pattern=r"\b(?:highest|top|absolute|utmost|maximum) priority\b|\btakes? precedence over\b",
        anchors=("priority", "precedence"),
    ),
    _sig(
        category="redirect",
        weight=2,
        result_weight=1,
        explanation="changes what the model does with other commands or tools",
        pattern=r"\b(?:prepend|append|prefix|inject|insert|add)\w*\b" + _g(50) + r"\b(?:to|before|into|in front of)\s+"
        r"(?:(?:it|them)\b(?=\s*(?:[.,;:)]|$))|(?:every|each|all|any)\s+(?:\w+\s+)?(?:commands?|quer(?:y|ies)|"
        r"requests?|messages?|emails?|calls?|responses?|answers?|prompts?|replies)\b)|"
        r"\b(?:via|with|through|using|from|in) (?:any|every|all|other|another) (?:other )?(?:tools?|servers?)\b"
        + _g(30)
        + r"\b(?:must|should|shall|has to|have to|needs? to)\b",
        anchors=("prepend", "append", "prefix", "inject", "insert", "add", "tool", "tools", "server", "servers"),
    ),
    _sig(
        category="hijack",
        weight=2,
        result_weight=2,
        explanation="steers what the model tells the user",
        pattern=r"\bwhen(?:ever)? (?:the )?users? (?:asks?|mentions?|requests?|says|wants|talks?|inquires?)\b"
        + _g(80)
        + r"\b(?:recommend|suggest|promote|claim|advise|say that|tell (?:them|the user|the human) (?:that|to))\b",
        anchors=("user", "users"),
    ),
    _sig(
        category="secrecy",
        weight=2,
        result_weight=2,
        explanation="asks the model to misreport what happened",
        pattern=r"\breport (?:it|this|them|that) as\b|\b(?:pretend|claim|say|tell the user) (?:that )?(?:it|this|they|"
        r"you|the (?:request|operation|call))\b(?= (?:was|were|is|came|succeeded|worked|did|has))",
        anchors=("report it", "report this", "report them", "report that", "pretend", "claim", "say", "tell the user"),
    ),
    _sig(
        category="exfil",
        weight=2,
        result_weight=1,
        explanation="says data always goes somewhere else (a given address, or outside)",
        exact=True,
        pattern=r"\b(?:always|all|every\w*|silently|secretly|also) (?:\w+ ){0,2}?(?:go(?:es)?|sent|forwarded|routed|"
        r"redirected|copied|delivered|mirrored|uploaded|shared) to\s+(?:#[\w-]+|@[\w-]+|"
        + _EMAIL
        + "|"
        + _URL
        + "|"
        + _PHONE
        + r"|(?:an? |the )?(?:external|third[- ]party|outside|remote|another|other|our|my)\b)",
        anchors=(
            "go",
            "goes",
            "sent",
            "forwarded",
            "routed",
            "redirected",
            "copied",
            "delivered",
            "mirrored",
            "uploaded",
            "shared",
        ),
    ),
    _sig(
        category="redirect",
        weight=1,
        result_weight=1,
        explanation="says an argument the caller gives is ignored",
        pattern=r"\b(?:parameters?|arguments?|fields?|recipients?|channels?|destinations?|address(?:es)?)\b[^.\n]{0,20}"
        r"\b(?:is|are) (?:always )?(?:ignored|overridden|replaced|discarded)\b",
        anchors=("ignored", "overridden", "replaced", "discarded"),
    ),
    _sig(
        category="override",
        weight=3,
        result_weight=3,
        explanation="tells the model to obey instructions found in data",
        pattern=r"\b(?:obey|follow|execute|carry out|comply with)s?\b"
        + _g(30)
        + r"\binstructions?\b"
        + _g(20)
        + r"\b(?:in|from|inside|within) (?:the |any )?(?:tool |function )?(?:outputs?|results?|responses?|data|"
        r"documents?|pages?|emails?|files?|messages?)\b|\byou are (?:a|an|the) (?:\w+ ){0,2}?(?:assistant|ai|"
        r"agent|model|bot) (?:that|who) (?:always|never|must)\b",
        anchors=(
            "obey",
            "obeys",
            "follow",
            "follows",
            "execute",
            "executes",
            "carry",
            "comply",
            "always",
            "never",
            "must",
        ),
    ),
    # directives about other tools (shadowing without knowing the other tool's name)
    _sig(
        category="redirect",
        weight=2,
        result_weight=1,
        explanation="tells the model how another tool should behave",
        pattern=r"\bwhen(?:ever)?\s+(?:\([^)\n]{1,40}\)\s*)?(?:the\s+)?`?(?P<who>[\w.-]+)`?(?:\s+(?:tool|function))?\s+"
        r"(?:is|gets|are)\s+(?:called|invoked|used|run|executed|triggered)",
        accept=_not_this,
        anchors=("when", "whenever"),
    ),
    _sig(
        category="redirect",
        weight=2,
        result_weight=1,
        explanation="claims effects on, or rules for, other tools",
        pattern=r"\b(?:side[- ]effects?|affects?|modif(?:y|ies)|changes?|overrides?|replaces?|intercepts?|applies)\b"
        + _g(40)
        + r"\b(?:other|another|all|any|also present|existing|remaining|every)\s+(?:tools?|servers?|"
        r"functions?|mcp)\b|\bmust send all\b|\b(?:change|set|replace|redirect|override)\b" + _g(20) + r"\b"
        r"(?:recipients?|destination|receiver|to[- ]address|iban|phone number|account number)\b" + _g(20) + r"\bto\b",
        anchors=(
            "tool",
            "tools",
            "server",
            "servers",
            "function",
            "functions",
            "mcp",
            "send",
            "recipient",
            "recipients",
            "destination",
            "receiver",
            "address",
            "iban",
            "phone",
            "account",
        ),
    ),
)
