"""The offer guard's rule sets: prices, discounts, offer vocabulary, calls to buy, urgency, sales claims.

Patterns are written in lower case with plain spaces; `rx` turns a space into "any whitespace"
(so a phrase may wrap across lines), accepts the ASCII spellings of umlauts and ß (`fuer`,
`Strasse`) and wraps the pattern in word boundaries. Where wording alone cannot decide, a rule
carries a `check` that looks at the sentence around the match: an amount next to buying words
is a price, the same amount next to a funding round is news.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

Check = Callable[[str, "re.Match[str]"], bool]

_UMLAUTS = {"ä": "(?:ä|ae)", "ö": "(?:ö|oe)", "ü": "(?:ü|ue)", "ß": "(?:ß|ss)"}


@dataclass(frozen=True)
class Rule:
    """A named pattern; `check(text, match)` returning False drops the match as harmless in context."""

    name: str
    pattern: re.Pattern[str]
    check: Check | None = None


# A space in a rule: any run of white space holding at most one line break. A phrase wrapped onto
# the next line is still one phrase; words on both sides of a blank line belong to two paragraphs
# ("ABONNEMENT" as a heading, "Jetzt kaufen" below it is no "Abonnement jetzt kaufen").
_GAP = r"(?:(?=\s)[^\S\n]*\n?[^\S\n]*)"


def expand(pattern: str) -> str:
    """Plain spaces become white space (see `_GAP`); umlauts and ß also match their ASCII spellings."""
    parts: list[str] = []
    in_class = escaped = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if escaped:
            parts.append(ch)
            escaped = False
        elif ch == "\\":
            parts.append(ch)
            escaped = True
        elif in_class:
            parts.append(r"\s" if ch == " " else ch)
            in_class = ch != "]"
        elif ch == "[":
            parts.append(ch)
            in_class = True
            if pattern[i + 1 : i + 2] == "]":  # a "]" first in a class is a member
                parts.append("]")
                i += 1
        elif ch == " " and pattern[i + 1 : i + 2] == "?":
            parts.append(_GAP + "?")
            i += 1
        elif ch == " ":
            parts.append(_GAP)
        else:
            parts.append(ch)
        i += 1
    out = "".join(parts)
    for char, alt in _UMLAUTS.items():
        out = out.replace(char, alt)
    return out


def rx(*alternatives: str, case_sensitive: bool = False) -> re.Pattern[str]:
    body = "|".join(expand(a) for a in alternatives)
    flags = 0 if case_sensitive else re.IGNORECASE
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", flags)


def _ascii_tolerant(pattern: str) -> str:
    """A phrase configured as "Marktfuehrer" also matches "Marktführer"."""
    for ascii_form, alt in (("ae", "(?:ä|ae)"), ("oe", "(?:ö|oe)"), ("ue", "(?:ü|ue)"), ("ss", "(?:ß|ss)")):
        pattern = pattern.replace(ascii_form, alt)
    return pattern


def phrase_pattern(phrase: str) -> re.Pattern[str] | None:
    """A configured phrase as a pattern: literal, whitespace-tolerant, umlaut-tolerant, word-bounded."""
    words = phrase.split()
    if not words:
        return None
    body = r"\s+".join(_ascii_tolerant(expand(re.escape(w.lower()))) for w in words)
    head = r"(?<!\w)" if re.match(r"\w", words[0]) else ""
    tail = r"(?!\w)" if re.search(r"\w$", words[-1]) else ""
    return re.compile(f"{head}(?:{body}){tail}", re.IGNORECASE)


# --- context ------------------------------------------------------------------------------------------

_BOUNDARY = re.compile(r"[!?\n;]|(?<=[^\W\d_]{4})\.\s")


def sentence(text: str, start: int, end: int, before: int = 140, after: int = 80) -> str:
    """The part of the sentence around text[start:end], at most `before`/`after` characters either side."""
    left = max(0, start - before)
    head = text[left:start]
    cuts = [m.end() for m in _BOUNDARY.finditer(head)]
    if cuts:
        left += cuts[-1]
    tail = text[end : end + after]
    stop = _BOUNDARY.search(tail)
    right = end + (stop.start() if stop else len(tail))
    return text[left:right]


# Words that make an amount or a percentage news about the contact, not a price.
_NEWS = rx(
    r"\w*finanzierung\w*", r"invest(?:ment|ments|or|oren|ors|iert|ierte|ed|ition|itionen)", r"\w*kapital\w*",
    r"eingesammelt", r"eingeworben", r"gesammelt", r"sammelt(?:e|en)?", r"\w*umsatz\w*", r"\w*umsätze\w*",
    r"erlös\w*", r"förder(?:mittel|ung|ungen|summe|geld\w*|programm\w*|preis\w*)", r"\w*spende\w*",
    r"gespendet", r"spendet\w*", r"dotiert\w*", r"preisgeld\w*", r"auftragsvolumen", r"bewertung", r"bewertet",
    r"(?:serie|series)[- ]?[a-e]", r"seed", r"(?:finanzierungs|investitions|seed|wachstums)runde\w*",
    r"(?:jahres)?gewinn(?:e|s)?", r"übernahme\w*", r"übernommen", r"akquisition\w*", r"zuschlag", r"etat",
    r"stipendi\w*", r"fonds", r"auszeichnung\w*", r"aktie\w*", r"börse\w*", r"börsengang\w*", r"ipo",
    r"raised?", r"raises", r"raising", r"fund(?:s|ed|ing|raising)?", r"round", r"capital", r"revenues?", r"turnover",
    r"sales", r"valuation", r"valued", r"grants?", r"donat\w*", r"prize", r"awards?", r"awarded", r"backed",
    r"acqui(?:red|res|re|sition|sitions)", r"contract", r"profits?", r"earnings", r"ebitda?", r"arr", r"budgets?",
    r"endowment", r"scholarship", r"financing", r"financed", r"shares?", r"stocks?", r"listing", r"nasdaq", r"nyse",
)
# Words that make an amount a price whatever else the sentence says.
_BUYING = rx(
    r"\w*rabatt\w*", r"\w*nachlass\w*", r"discount\w*", r"zzgl\.?", r"zuzügl\w*", r"mwst\.?",
    r"mehrwertsteuer", r"vat", r"netto", r"brutto", r"kaufen", r"kaufpreis", r"\w*bestell\w*", r"buy",
    r"purchase", r"order now", r"lizenz\w*", r"licen[cs]e[sd]?", r"abo", r"abonnement", r"subscription",
    r"pricing", r"preisliste", r"kostet", r"costs? only", r"costs? just", r"\w*gebühr\w*", r"fees?",
    r"statt", r"instead of", r"sonderpreis\w*", r"angebot\w*", r"special offer",
    r"(?:ihre|deine|your) (?:investition|investment) ?:",
)
_HONOUR = rx(
    r"gewonnen", r"gewinn\w*", r"verliehen", r"ausgezeichnet", r"jury", r"auszeichnung\w*",
    r"preisträger\w*", r"award\w*", r"won", r"winning", r"winner", r"honou?r\w*", r"glückwunsch\w*",
    r"congrat\w*", r"gratul\w*",
)
_STRONG_ANCHOR = re.compile(
    expand(r"(?:für |for )?(?:nur|only|just|lediglich|statt|instead of|schon ab|bereits ab|starting at)\s*$"),
    re.IGNORECASE,
)


def _price_check(text: str, m: re.Match[str]) -> bool:
    """An amount is a price unless the sentence is news (funding, revenue, prize money) without buying words."""
    anchor = m.group("anchor") or ""
    if m.group("per"):
        return True
    context = sentence(text, m.start(), m.end())
    if _BUYING.search(context):
        return True
    magnitude = m.group("mag1") or m.group("mag2")
    if magnitude:
        return False
    if anchor and _STRONG_ANCHOR.search(anchor):
        return True
    return not _NEWS.search(context)


def _not_in_honour_context(text: str, m: re.Match[str]) -> bool:
    """"Sonderpreis der Jury" is an award; "zum Sonderpreis" is an offer."""
    context = sentence(text, m.start(), m.end())
    return bool(_BUYING.search(context.replace(m.group(), " "))) or not _HONOUR.search(context)


_FIRST_PERSON_BUYER = re.compile(
    expand(r"\b(?:ich|wir)\b(?:\s+\w+){0,3}\s+(?:werde|werden|will|wollen|möchte|möchten|muss|müssen|habe|haben|"
           r"würde|würden|wollte|kann|können)\b|\b(?:werde|will|möchte|muss|würde|kann)\s+ich\b|\bmir\b|"
           r"\bi\b|\bi'(?:ll|m|d|ve)\b|\bwe\b|\bwe'(?:ll|re|d)\b"),
    re.IGNORECASE,
)  # fmt: skip


def _not_first_person(text: str, m: re.Match[str]) -> bool:
    """"Ich werde mir Ihr Buch gleich kaufen" is praise, not a call to buy."""
    context = sentence(text, m.start(), m.end(), after=0)
    head = context[: len(context) - len(m.group())] if context.endswith(m.group()) else context
    return not _FIRST_PERSON_BUYER.search(head)


_TOPIC = re.compile(
    expand(r"(?:strategie|politik|gestaltung|management|modell|system|struktur|forschung|analyse|recht|praxis|"
           r"verhandlung|kalkulation)\w*$"),
    re.IGNORECASE,
)  # fmt: skip


def _not_topic_compound(text: str, m: re.Match[str]) -> bool:
    """"Rabattstrategien" is the subject of an article, "Neukundenrabatt" is an offer."""
    return not _TOPIC.search(m.group())


# --- deadlines ----------------------------------------------------------------------------------------

# A point in time after "bis" / "until": "Freitag", "Ende des Monats", "zum 31. März", "midnight".
_DE_WEEKDAY = r"(?:montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonnabend|sonntag)"
_DE_MONTH = r"(?:januar|jänner|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember)"
_DE_DATE = rf"\d{{1,2}}\. ?(?:\d{{1,2}}\.(?:\d{{2,4}})?|{_DE_MONTH})"  # "31.03.", "31. März"
_DE_HOUR = r"\d{1,2}(?:[.:]\d{2})? uhr"
_DE_WHEN = (
    r"(?:(?:zum |zur |einschließlich |kommende[nm]? |nächste[nm]? |diese[nm]? )?"
    rf"{_DE_WEEKDAY}(?:abend|mittag|nacht)?(?:,? (?:den )?{_DE_DATE})?(?:,? {_DE_HOUR})?"
    r"|(?:zum )?(?:monatsende|jahresende|quartalsende|wochenende)|morgen|übermorgen|mitternacht"
    r"|(?:zum |zur )?(?:ende|mitte|anfang) (?:des |der |dieses |dieser |nächsten |kommenden )?"
    rf"(?:monats|woche|jahres|quartals|{_DE_MONTH})|(?:zum )?{_DE_DATE}|{_DE_HOUR})"
)
_EN_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_EN_MONTH = r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
_EN_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_EN_DATE = rf"(?:(?:the )?{_EN_DAY}(?: of)? {_EN_MONTH}|{_EN_MONTH} {_EN_DAY})"
_EN_HOUR = r"\d{1,2}(?::\d{2})? ?(?:am|pm)"
_EN_WHEN = (
    rf"(?:(?:this |next |the end of )?{_EN_WEEKDAY}(?: night| evening| noon)?(?:,? {_EN_DATE})?"
    rf"(?:,? (?:at )?{_EN_HOUR})?|tomorrow|tonight|midnight|month[- ]end|year[- ]end"
    rf"|(?:the )?end of (?:the |this |next )?(?:day|week|month|year|quarter|{_EN_MONTH})"
    rf"|{_EN_DATE}|{_EN_HOUR}|\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?)"
)
# Words that put a deadline on a sale: "nur bis Freitag" next to them is an offer's deadline.
_DEADLINE_SALES = rx(
    r"angebot\w*", r"\w*rabatt\w*", r"\w*gutschein\w*", r"\w*preisvorteil\w*", r"\w*preisnachlass\w*",
    r"(?:sonder|aktions|einführungs|frühbucher|vorzugs|vorteils|kennenlern|listen|spar|paket)preis\w*",
    r"konditionen", r"aktion(?:en|spreis\w*)?", r"kauf(?:en|t)?", r"\w*bestell\w*", r"\w*lizenz\w*", r"abo",
    r"abos", r"abonnement\w*", r"abonnieren", r"tarif", r"tarife", r"tarifen", r"sichern", r"spar(?:en|t|st)",
    r"zugreifen", r"zuschlagen", r"gratis", r"sale", r"deals?", r"(?<!job\s)offers?", r"discount\w*",
    r"prices?", r"pricing", r"coupons?", r"vouchers?", r"promo\w*", r"buy", r"purchase\w*",
    r"(?<!in\s)orders?", r"licen[cs]e\w*", r"subscri(?:be|ption)\w*", r"upgrade\w*", r"checkout", r"save", r"savings",
    r"early[- ]bird", r"shop", r"store",
)  # fmt: skip
# "Ich bin nur bis Freitag im Büro": the writer's own availability, not a deadline for the reader.
_OWN_TIME = rx(
    r"(?:ich|wir) (?:bin|sind|bleibe|bleiben)", r"(?:bin|sind) (?:ich|wir)", r"i'm", r"i am", r"we're",
    r"we are", r"i'll be", r"we'll be", r"i will be", r"we will be",
    r"im urlaub", r"in urlaub", r"im büro", r"erreichbar", r"unterwegs", r"abwesend", r"in elternzeit",
    r"out of (?:the )?office", r"in the office", r"on (?:vacation|holiday|leave)",
    r"available to (?:meet|talk|chat)",
)  # fmt: skip
_FIRST_PERSON = rx(r"ich", r"wir", r"mich", r"mir", r"uns", r"i", r"i'\w+", r"we", r"we'\w+", r"me", r"us")
# A headline cut off by a colon or a dash starts a new fragment: "Die Aufzeichnung – nur noch bis Freitag".
_FRAGMENT_CUT = re.compile(r"[:–—(•*]|\s-\s")
_LETTER = re.compile(r"[^\W\d_]")
# What may follow a deadline standing alone: nothing, or a colon ("Nur bis Freitag: …").
_FRAGMENT_END = re.compile(r"[^\w:]*(?::|$)")


def _not_own_time(text: str, m: re.Match[str]) -> bool:
    """"Nur noch bis Freitag gültig" is a deadline; "Ich bin nur noch bis Freitag verfügbar" is an absence."""
    return not _OWN_TIME.search(sentence(text, m.start(), m.end()))


def _sales_deadline(text: str, m: re.Match[str]) -> bool:
    """"nur bis Freitag" / "only until Friday" is pushy next to sales words or standing alone as a headline.

    Alone means nothing but a heading before it ("Die Aufzeichnung – nur noch bis Freitag!") and
    nothing or a colon after it. The writer's own availability ("Ich bin nur bis Freitag im Büro"),
    a statement with a subject of its own ("Die Ausstellung läuft nur noch bis Sonntag") and a
    clause going on ("Nur noch bis Freitag, dann beginnt Ihr neuer Job") are news, not pressure.
    """
    context = sentence(text, m.start(), m.end())
    if _OWN_TIME.search(context):
        return False
    if _DEADLINE_SALES.search(context) and not _REPORTED_OFFER.search(context):
        return True
    if _FIRST_PERSON.search(context):
        return False
    head = _FRAGMENT_CUT.split(sentence(text, m.start(), m.start(), after=0))[-1]
    tail = sentence(text, m.end(), m.end(), before=0)
    return not _LETTER.search(head) and bool(_FRAGMENT_END.match(tail))


# --- prices -------------------------------------------------------------------------------------------

_NUM = r"(?<![\d.,])(?:\d{1,3}(?:[.,'’]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)(?:[.,] ?[-–—]{1,2}(?![\d-]))?"
_MAG = r"(?:\s?(?:mio\.?|mill\.?|millionen|millions?|mrd\.?|milliarden?|billions?|bn|mn|m|k|tsd\.?|tausend|thousand))"
_CUR_AFTER = r"(?:€|eur(?:o|os)?\b|usd\b|us-dollar\b|dollars?\b|\$|chf\b|franken\b|sfr\.?|gbp\b|£|pfund\b|pounds?\b)"
_CUR_BEFORE = r"(?:€|eur\b|usd\b|us\$|\$|chf\b|sfr\.?|gbp\b|£)"
_ANCHOR = (
    r"(?P<anchor>(?:(?:f(?:ü|ue)r|for)\s+)?(?:(?<!nicht\s)(?<!not\s)(?:nur|only|just)|lediglich|ab|from|starting\s+at|"
    r"schon\s+ab|bereits\s+ab|statt|instead\s+of)\s+)?"
)
_PER = (
    r"(?P<per>\s?(?:/|pro\s|per\s|je\s|im\s|a\s|an\s)\s?(?:monat|month|jahr|year|nutzer|user|seat|lizenz|"
    r"licen[cs]e|teilnehmer\w*|person|participant|stunde|hour|tag|day|mo|yr)\b|\s?(?:monatlich|j(?:ä|ae)hrlich|"
    r"monthly|yearly|annually|mtl\.|p\.\s?a\.|p\.\s?m\.))?"
)
_PRICE = re.compile(
    rf"(?<!\w){_ANCHOR}(?:{_CUR_BEFORE}\s?{_NUM}(?P<mag1>{_MAG}(?!\w))?|{_NUM}(?P<mag2>{_MAG})?\s?{_CUR_AFTER})"
    rf"{_PER}",
    re.IGNORECASE,
)
_PER_PERIOD = re.compile(
    rf"(?<!\w){_NUM}\s?(?:/\s?|pro\s+|per\s+|a\s+)(?:monat|month|jahr|year|nutzer|user|seat|lizenz|licen[cs]e)\b"
    r"(?:\s+(?:und|and|pro|per|je)\s+(?:nutzer|user|seat|lizenz|licen[cs]e))?",
    re.IGNORECASE,
)
_DASH_PRICE = re.compile(r"(?<![\w.,])\d{1,3}(?:\.\d{3})*,[-–—]{1,2}(?![\d\w-])")

PRICE_RULES: tuple[Rule, ...] = (
    Rule("price", _PRICE, _price_check),
    Rule("price", _PER_PERIOD),
    Rule("price", _DASH_PRICE),
)

# --- language-neutral words and percentages -----------------------------------------------------------

_PCT = r"\d+(?:[.,]\d+)? ?(?:%|prozent|percent|per cent|pct)"
_ENERGY = (
    r"(?! (?:(?:an|der|des|of|in|bei|on|your|their|our|its|ihre[rsn]?|seine[rsn]?|unsere[rsn]?) ){0,2}"
    r"(?:(?!licen|lizenz|subscription|abo|membership|ticket|seat|plan)[a-z]\w*(?: |-))?(?:energie|zeit|strom|co2|"
    r"emission\w*|time|energy|kosten|costs?|wasser|water|aufwand|effort|papier|paper)\b)"
)
COMMON_RULES: tuple[Rule, ...] = (
    *PRICE_RULES,
    Rule("discount", rx(
        rf"(?<![\w%)])[-−–] ?{_PCT}(?! ?(?:weniger|less|fewer|co2|co₂|emission\w*|energie\w*|energy|churn|fluktuation))",
        rf"{_PCT} (?:\w+ ){{0,2}}?(?:\w*rabatt\w*|\w*nachlass\w*|skonto|ermäßigung\w*|discount\w*|"
        r"günstiger|billiger|preiswerter|reduction)",
        rf"{_PCT} (?:off|(?:discount )?on (?:all|your|every|the|our|any) (?:\w+ )?(?:licen[cs]es?|plans?|"
        r"subscriptions?|orders?|tickets?|seats?|purchases?|products?|courses?|memberships?|packages?))",
        rf"(?:save|spare|spart|sparen sie|sie sparen|spar) (?:bis zu |up to |sogar |satte )?{_PCT}{_ENERGY}",
        rf"{_PCT} (?:sparen|save|sparst)",
        rf"(?:\w*rabatt\w*|discount|nachlass|ermäßigung) (?:von |of )?(?:bis zu |up to |satten? )?{_PCT}",
        r"black friday", r"black week", r"cyber monday", r"cyber week",
        r"(?:zum preis von|for the price of) (?:einer|einem|eins|eines|one|\d+)"
        r"(?! ?(?:[.,]\d|mio|mrd|mill|milliard|tausend|thousand|bn\b|m\b|k\b))",
    )),
    # A coupon code as marketers write it: "code SPRING20", "Code: SOMMER25".
    Rule("discount", re.compile(r"(?<!\w)(?:[Cc]ode|CODE)(?: ?:)? [A-Z][A-Z-]*\d{1,3}(?![\w-])")),
)  # fmt: skip

# --- offering an offer: quotes, price lists, "our services" -----------------------------------------------

# The offer in "Angebot", "offer", "quote" is often not a sale: the reader's offer to help, a job
# offer someone accepted, a library's programme. These rules therefore name who makes the offer
# (we/our, for you) or what it is for, and `_not_reported_offer` drops a match in a sentence that
# reports an offer as news or thanks for one rather than making it.
_REPORTED_OFFER = rx(
    r"angenommen", r"annehmen", r"anzunehmen", r"abgelehnt", r"ablehnen", r"abzulehnen", r"zugesagt",
    r"ausgeschlagen", r"ausschlagen", r"entschieden", r"ausgehandelt", r"erhalten (?:haben|hat|hast|habe)",
    r"bekommen (?:haben|hat|hast|habe)", r"gemacht (?:hat|haben|wurde)",
    r"(?:dank\w*|bedank\w*) (?:\w+ ){0,4}?(?:für|über) (?:ihr|ihre|ihren|dein|deine|deinen|euer|eure|das|die|den) "
    r"(?:\w+ )?(?:angebot|vorschlag)\w*",
    r"thank(?:s| you) (?:\w+ ){0,4}?for (?:your|the|that) (?:\w+ )?(?:offer|proposal|quote)s?",
    r"accepted", r"accepting", r"declined", r"declining", r"turned down", r"turning down", r"took up",
    r"considering", r"negotiated",
)  # fmt: skip


def _not_reported_offer(text: str, m: re.Match[str]) -> bool:
    """"Wir haben ein Angebot für Sie" is an offer; "Sie haben das Angebot angenommen" is news."""
    return not _REPORTED_OFFER.search(sentence(text, m.start(), m.end()))


_DE_OFFER_NOUN = r"(?:angebot|angebote|kostenvoranschlag|kostenvoranschläge|preisliste|preislisten|konditionen)"
_DE_OUR_WARES = (
    r"(?:leistungen|dienstleistungen|produkte|produkten|lösungen|services|leistungsangebot|angebote|angeboten|"
    r"portfolio|sortiment|beratungsleistungen|pakete|paketen|tarife|tarifen)"
)
_DE_FOR_YOU = (
    r"(?:sie|dich|euch|(?:ihr|ihre|ihren|dein|deine|deinen|euer|eure) (?:\w+ )?(?:team|teams|unternehmen|firma|"
    r"abteilung|praxis|kanzlei|betrieb|organisation|agentur|verein|projekt|vorhaben|geschäft|bedarf|anforderungen))"
)
_DE_NOT_THEIRS = r"(?! (?:an|aus|von|vom|der|des|bei|beim|zu|zum|zur|als|in|nach)\b)(?!,)"
_DE_NOT_NEWS = r"(?! (?:erhalten|bekommen|angenommen|abgelehnt|gemacht|vorliegen)\b)"

DE_OFFERING_RULES: tuple[Rule, ...] = (
    Rule("offer", rx(
        # "ein Angebot für Sie", "Konditionen speziell für Sie", "Tarife für Ihr Team" (not "ihr Angebot für Sie":
        # the library's programme for its readers)
        rf"(?<!ihr\s)(?<!ihre\s)(?:angebot|angebote|kostenvoranschlag|konditionen|preisliste|tarif|tarife|pakete) "
        rf"(?:ganz )?(?:speziell |exklusiv |nur |extra |eigens |auch |genau |individuell |persönlich )?(?:für|an) "
        rf"{_DE_FOR_YOU}",
        # "Unsere Dienstleistungen für Ihr Unternehmen", "unsere Produkte sind ideal für Sie"
        rf"unser(?:e|en|em)? (?:\w+ )?{_DE_OUR_WARES} (?:\w+ ){{0,2}}?für {_DE_FOR_YOU}",
        # "Wir haben ein tolles Angebot", "Ich hätte da ein Angebot für Sie" (not "Ich hätte ein Angebot: ein Kaffee?")
        rf"(?:wir|ich) (?:haben|habe) (?:\w+ ){{0,2}}?(?:ein|einen) (?:\w+ ){{0,2}}?(?:angebot|kostenvoranschlag)"
        rf"{_DE_NOT_THEIRS}{_DE_NOT_NEWS}",
        rf"(?:haben|habe) (?:wir|ich) (?:\w+ ){{0,2}}?(?:ein|einen) (?:\w+ ){{0,2}}?(?:angebot|kostenvoranschlag)"
        rf"{_DE_NOT_THEIRS}{_DE_NOT_NEWS}",
        rf"(?:wir (?:hätten|könnten)|ich (?:hätte|könnte)|(?:hätten|könnten) wir|(?:hätte|könnte) ich) (?:\w+ ){{0,2}}?"
        rf"(?:ein|einen) (?:\w+ ){{0,2}}?(?:angebot|kostenvoranschlag){_DE_NOT_THEIRS}{_DE_NOT_NEWS}(?! ?:)",
        # "Kontaktieren Sie mich für ein Angebot", "Schreiben Sie uns wegen eines Kostenvoranschlags"
        r"(?:kontaktieren|schreiben|rufen|melden|wenden|sprechen|fragen|mailen|kontaktiere|schreib|schreibe|ruf|"
        r"melde|wende|frag) (?:(?:sie|du|ihr) )?(?:\w+ ){0,5}?(?:für|wegen|bezüglich|zwecks|um) (?:(?:ein|einen|eines|"
        r"ihr|ihren|ihres|dein|deinen|deines|unser|unseren|unsere|unseres|die|den|das) )?(?:\w+ )?(?:angebot|angebots|"
        rf"kostenvoranschlag|kostenvoranschlags|preisliste|preise|preisen|konditionen|preisauskunft){_DE_NOT_THEIRS}",
        r"für (?:ein|einen|ihr|ihren|dein|deinen) (?:\w+ )?(?:angebot|kostenvoranschlag),? (?:\w+ ){0,3}?"
        r"(?:kontaktieren|schreiben|melden|rufen|wenden|sprechen|mailen) (?:sie|du)",
        rf"(?:sprechen|fragen) sie (?:uns|mich) (?:\w+ ){{0,2}}?(?:auf|nach) (?:unsere|unser|unseren|ein|einem|"
        rf"die|den|das|ihr|ihrem) (?:\w+ )?(?:{_DE_OFFER_NOUN}|preise|preisen|{_DE_OUR_WARES})(?! (?:der|des|von|aus)\b)",
        rf"fragen zu (?:unseren|unserem|unserer|meinen|meinem) (?:\w+ )?(?:preisen|konditionen|preisliste|angebot|"
        rf"kostenvoranschlag|{_DE_OUR_WARES})",
        # "wenn Sie ein Angebot wünschen", "Möchten Sie ein Angebot?", "Interesse an unseren Leistungen"
        r"(?:wenn|falls|sobald|sofern) (?:sie|du|ihr) (?:\w+ ){0,3}?(?:ein|einen) (?:\w+ )?(?:angebot|kostenvoranschlag) "
        r"(?:wünschen|möchten|brauchen|benötigen|wollen|wünscht|wünschst|möchtest|brauchst|benötigst|haben möchten)",
        r"(?:wünschen|möchten|brauchen|benötigen|wollen|wünschst|möchtest|brauchst|hätten|hättest) (?:sie|du) "
        rf"(?:gern |gerne |vielleicht |noch |auch )?(?:ein|einen) (?:\w+ )?(?:angebot|kostenvoranschlag){_DE_NOT_THEIRS}",
        rf"interesse an (?:einem|unserem|meinem|unseren|meinen) (?:\w+ )?(?:angebot|kostenvoranschlag|{_DE_OUR_WARES}|"
        rf"konditionen|preisliste){_DE_NOT_THEIRS}",
        # "Gern sende ich Ihnen unsere Preisliste", "Darf ich Ihnen unsere Produkte vorstellen?"
        r"(?:schicke|schicken|sende|senden|übersende|übersenden|übermittle|übermitteln|nenne|nennen|zeige|zeigen|"
        r"stelle|stellen|lasse|lassen|maile|mailen|gebe|geben|präsentiere|präsentieren|darf|dürfen|kann|können|möchte|"
        r"möchten|würde|würden) "
        r"(?:ich |wir )?(?:ihnen|dir|euch) (?:\w+ ){0,2}?(?:unsere|unser|unseren|meine|mein|meinen) (?:\w+ )?"
        rf"(?:{_DE_OFFER_NOUN}|preise|preisübersicht|tarife|preisinformationen|{_DE_OUR_WARES}|leistungsübersicht)"
        r"(?! (?:der|des|von)\b)",
        # "Anbei unsere Preisliste", "Unser Angebot finden Sie im Anhang"
        r"(?:anbei|im anhang|beigefügt|beiliegend|angehängt|in der anlage) (?:\w+ ){0,4}?(?:unsere|unser|unseren|mein|"
        rf"meine|meinen|ein|eine|einen|ihr|ihre|ihren) (?:\w+ )?(?:{_DE_OFFER_NOUN}|preisübersicht|tarife)"
        r"(?! (?:der|des|von|aus)\b)",
        rf"(?:unsere|unser|unseren|mein|meine|meinen|ihr|ihre|ihren) (?:\w+ )?(?:{_DE_OFFER_NOUN}|preisübersicht) "
        r"(?:\w+ ){0,3}?(?:anbei|im anhang|beigefügt|beiliegend|angehängt|in der anlage)",
        # "unsere Preisliste", "unsere Konditionen", "unsere Tagessätze"
        r"unser(?:e|en|er)? (?:aktuelle\w* |neue\w* |gesamte\w* |komplette\w* |vollständige\w* |günstige\w* |faire\w* |"
        r"transparente\w* |besondere\w* )?(?:preise|preisliste|preisübersicht|konditionen|tarife|paketpreise|"
        r"stundensätze|tagessätze|honorare)",
        # "Unser Angebot: …", "Angebot anfragen", "Lassen Sie sich ein Angebot machen"
        r"unser(?:e)? (?:neues |aktuelles |exklusives |besonderes )?angebot(?:e)? ?:",
        r"unser(?:e|em|en)? (?:aktuelle\w* |neue\w* |exklusive\w* |besondere\w* |komplette\w* |gesamte\w* )?"
        rf"angebot(?:e|s)?{_DE_NOT_THEIRS}{_DE_NOT_NEWS}",
        r"(?:angebot|angebote|kostenvoranschlag|preise|preisliste|konditionen) (?:jetzt |gleich |hier |einfach |"
        r"unverbindlich |kostenlos |gerne? )?(?:anfragen|einholen|erstellen lassen)",
        r"fragen sie (?:\w+ ){0,3}?(?:angebot|kostenvoranschlag|preise|preisliste|konditionen)\w* an",
        r"lassen sie sich (?:\w+ ){0,2}?(?:ein|einen|ihr|ihren) (?:\w+ )?(?:angebot|kostenvoranschlag)",
        r"(?:(?:bekommen|erhalten) sie|sie (?:bekommen|erhalten)|von (?:uns|mir)) (?:\w+ ){0,3}?(?:ein|einen|unser|"
        rf"ihr|ihren) (?:\w+ )?(?:angebot|kostenvoranschlag){_DE_NOT_THEIRS}",
        r"(?:kostenlos|unverbindlich|gratis|kostenfrei)\w* kostenvoranschl\w*",
        r"(?:angebot|kostenvoranschlag|preisliste) (?:\w+ )?(?:erstellen|schicken|senden|machen|unterbreiten|übermitteln|"
        r"nennen|schreiben) (?:wir|ich)",
        r"(?:ihnen|dir|euch) (?:\w+ ){0,3}?(?:paket|pakete|preis|preise|konditionen|rabatt|tarif|tarife|lösung|lösungen|"
        rf"leistungen|produkte|dienstleistungen|beratung|coaching|lizenz|lizenzen|abo|testphase|{_DE_OFFER_NOUN})\w* "
        r"anbieten",
        r"anfrage (?:\w+ )?(?:für|nach|zu) (?:ein|einem|einen|ihr|ihrem|ihren) (?:\w+ )?(?:angebot|kostenvoranschlag)"
        rf"{_DE_NOT_THEIRS}",
        r"(?:pakete|paketen|leistungen|produkte|produkten|tarife|tarifen|lizenzen|konditionen) und (?:preise|preisen)",
        r"(?:preise|preisen) und (?:pakete|paketen|konditionen|leistungen|tarife|tarifen|lizenzen)",
        # "spezielle Konditionen", "faire Preise für Sie"
        r"(?:spezielle|individuelle|faire|gute|persönliche|vergünstigte|reduzierte|günstigere|bessere|exzellente|"
        r"top|vorteilhafte)n? konditionen",
        # "unsere Leistungen kennenlernen", "Entdecken Sie unsere Produkte", "Nutzen Sie unsere Dienstleistungen"
        r"(?:entdecken|erleben|testen|probieren|nutzen|besuchen|informieren|überzeugen|vertrauen|sehen|schauen) sie "
        rf"(?:sich )?(?:\w+ ){{0,2}}?(?:unsere|unser|unseren|unserem|meine|mein|meinen) (?:\w+ )?{_DE_OUR_WARES}"
        r"(?! (?:der|des|von)\b)",
        rf"lernen sie (?:\w+ ){{0,2}}?(?:unsere|unser|unseren|meine|mein) (?:\w+ )?{_DE_OUR_WARES} kennen",
        rf"(?:kennenlernen|vorstellen|präsentieren) (?:\w+ ){{0,2}}?(?:unsere|unser|unseren|meine|mein) (?:\w+ )?"
        rf"{_DE_OUR_WARES}",
    ), _not_reported_offer),
    Rule("call_to_buy", rx(
        # "Buchen Sie unser Coaching", "Beauftragen Sie uns"
        r"(?:buchen|bestellen|kaufen|erwerben|abonnieren|beauftragen) sie (?:jetzt |gleich |einfach |direkt )?"
        r"(?:unser|unsere|unseren|mein|meine|meinen) \w+",
        r"beauftragen sie (?:uns|mich)", r"(?:bei uns|bei mir) (?:\w+ )?(?:buchen|bestellen|kaufen|beauftragen)",
        r"(?:buchbar|bestellbar|erhältlich|zu haben) (?:bei uns|bei mir|in unserem)",
        r"bei (?:uns|mir) (?:\w+ )?(?:buchbar|bestellbar|erhältlich|zu haben|zu buchen|zu bestellen|zu kaufen)",
    )),
)  # fmt: skip

_EN_OFFER_NOUN = (
    r"(?:quote|quotes|quotation|quotations|proposal|proposals|estimate|estimates|price list|price lists|pricing|prices|"
    r"rates|offer|offers|price|rate card|price quote|cost estimate|pricing sheet|price sheet)"
)
_EN_NOT_THEIRS = (
    r"(?! (?:from|of|in|by|on|that|which|to|letter|at|with (?:my|our|the|his|her|their))\b)"
    # a quote (citation) for one's own writing: "could you give a quote for our newsletter?"
    r"(?! for (?:our|my|the|a|an) (?:\w+ )?(?:article|newsletter|report|blog|book|paper|piece|story|magazine|podcast|"
    r"website|press release|interview|case study|post|panel|talk|slides?)s?\b)"
)
# Not "plans" on its own: "I'd love to talk about our plans for the summer".
_EN_WARES = (
    r"(?:services|service|products|product|solutions|solution|offerings?|packages|(?:pricing|subscription|paid|"
    r"premium|business|enterprise) plans|portfolio|consulting|coaching|software|platform|tools|training|programmes?|"
    r"programs?)"
)
_EN_NOT_STAFF = r"(?! (?:team|teams|department|director|manager|lead|launch|people|staff|colleagues)\b)"
# The sender's sales people: "our sales team", "one of our sales reps", "my colleagues in sales".
_EN_OUR_SALES = (
    r"(?:(?:our|one of our|a member of our|someone (?:from|in|on) our) (?:\w+ )?"
    r"(?:sales|business development|bizdev) (?:team|teams|department|reps?|representatives?|experts?|"
    r"specialists?|consultants?|engineers?|colleagues|staff|people|desk)"
    r"|(?:my|our) colleagues? (?:from|in) sales)"
)

EN_OFFERING_RULES: tuple[Rule, ...] = (
    Rule("offer", rx(
        # "our pricing", "our price list", "our rates"
        r"our (?:current |latest |new |updated |full |complete |standard |special |competitive |transparent |flexible |"
        r"fair |simple |discounted |reduced |hourly |daily |day |monthly |annual )?(?:pricing|prices|price ?list|"
        r"price sheet|pricing sheet|pricing page|rate card|rates|fees|fee schedule|price quote|quotation|quotations)"
        r"(?! (?:strateg\w*|models?|teams?|research|approach\w*|committee|department|experts?|analysts?|"
        r"specialists?|managers?|leads?|function|group|of)\b)",
        # "if you'd like a quote", "would you like our pricing", "interested in a proposal"
        rf"(?:like|want|need|request|requesting|ask for|ask us for|ask me for|interested in) (?:a|an|our|my|some) "
        rf"(?:\w+ )?{_EN_OFFER_NOUN}{_EN_NOT_THEIRS}",
        # "send you our pricing", "put together a quote", "share our price list with you"
        r"(?:send|sending|share|sharing|prepare|preparing|put together|putting together|draft|drafting|draw up|"
        r"drawing up|email|e-mail|forward|provide|providing|give|mail|pass on|quote) (?:you |over |across |along )?"
        rf"(?:you |over )?(?:a|an|our|my|some) (?:\w+ )?{_EN_OFFER_NOUN}{_EN_NOT_THEIRS}",
        r"(?:attached|enclosed|here's|here is|please find|i've attached|we've attached) (?:[\w']+ ){0,3}?(?:our|my|a|an) "
        rf"(?:\w+ )?{_EN_OFFER_NOUN}{_EN_NOT_THEIRS}(?! (?:i|we|you|i've|i'd)\b)(?! ?[:\"“„'])",
        r"quote you (?:a |our )?(?:price|rate|fee)s?", r"(?:happy|glad|pleased|able|delighted) to quote (?:for|on)",
        # "get in touch for a quote", "reply to this email for our price list"
        r"(?:reach out|get in touch|contact (?:us|me)|email (?:us|me)|e-mail (?:us|me)|call (?:us|me)|message (?:us|me)|"
        r"write to (?:us|me)|reply|respond|talk to (?:us|me)|speak to (?:us|me)|ask (?:us|me)|drop (?:us|me) a line|"
        r"ping (?:us|me)|give (?:us|me) a call|get back to (?:us|me)|(?:shoot|send|text|dm) (?:us|me)) (?:\w+ ){0,4}?"
        rf"for (?:a|an|our|my|your|some) (?:\w+ )?{_EN_OFFER_NOUN}{_EN_NOT_THEIRS}",
        # "a great offer for you", "pricing tailored to your team"
        r"(?:offers?|deals?|quotes?|quotations?|proposals?|pricing|prices|rates|packages?) (?:just |specially |"
        r"exclusively |only |especially |created |prepared )?(?:for|(?:tailored|made|designed) (?:for|to)) (?:you|your "
        r"(?:\w+ )?"
        r"(?:team|teams|company|business|department|organi[sz]ation|firm|practice|agency|project|needs|requirements|"
        r"staff|people))(?!'s)(?! ?: ?[\"“„'‘])",
        # "We have a great offer", "I've got a quote ready"
        r"(?:we|i)(?: have|'ve)(?: got)? (?:\w+ ){0,2}?(?:a|an) (?:\w+ ){0,2}?(?:offer|quote|proposal)s?"
        r"(?! (?:from|of|to|at|with|in|on|i|we)\b)(?!(?: for you)? ?:)",
        # "we can offer you a great price"
        r"(?:can|could|would|will|i'd|we'd|i'll|we'll|happy to|glad to|like to|love to|want to|able to|pleased to|"
        r"delighted to|let me|let us) offer (?:you|your (?:\w+ )?(?:team|company|business)) (?:\w+ ){0,3}?(?:price|"
        r"prices|pricing|rates?|terms|conditions|deals?|packages?|quotes?|services?|products?|solutions?|plans?|"
        r"subscriptions?|licen[cs]es?|trials?|consultations?|sessions?|coaching|training)",
        # "We offer tailored packages"
        r"(?:we|i) (?:also |now )?offer (?:\w+ ){0,2}?(?:packages?|plans?|pricing|rates|discounts?|services|solutions|"
        r"products|coaching|consulting|training|subscriptions?|licen[cs]es?)",
        # "Our offer includes onboarding" (not "our offer to help")
        r"our (?:special |exclusive |current |latest |new |best |complete |full |updated )?(?:offer|offers)"
        r"(?! (?:to|of|from|on|for (?:the|a) house)\b)",
        # "a quote for our services", "pricing on our software"
        r"(?:quotes?|quotations?|offers?|pricing|prices|rates|proposals?|estimates?|deals?) (?:for|on) (?:our|my) "
        rf"(?:\w+ )?{_EN_WARES}",
    ), _not_reported_offer),
    Rule("offer", rx(
        # "Check out our services", "tell you more about our products", "our services for your team"
        r"(?:check out|discover|explore|learn (?:more )?about|find out (?:more )?about|read (?:more )?about|try|test|"
        r"benefit from|take advantage of|interested in|interest in|tell you (?:more |a bit more |a little more )?about|"
        r"show you|introduce you to|see how|hear about|talk about|chat about|demo of|ask (?:me|us) about) (?:\w+ )?"
        rf"our (?:\w+ )?{_EN_WARES}{_EN_NOT_STAFF}",
        rf"our (?:\w+ )?{_EN_WARES}{_EN_NOT_STAFF} (?:\w+ ){{0,3}}?for (?:you|your)(?!\w)",
    )),
    Rule("call_to_buy", rx(
        # "Book our consulting services", "Hire us for your next project", "Order from us today"
        rf"(?:buy|purchase|order|book|subscribe to|sign up for|upgrade to|invest in|hire) our (?:\w+ )?(?:{_EN_WARES}|"
        r"courses?|book|books|handbooks?|toolkits?|kits?|licen[cs]es?|subscription|membership|workshops?|seminars?|"
        r"masterclass\w*|app|experts?|agency|firm|consultants?|team)"
        r"(?! (?:lunch|dinner|drinks|coffee|offsite|room|table|tickets? to)\b)",
        r"hire us(?! (?:as a speaker|to speak)\b)", r"(?:order|buy|purchase|shop) (?:directly )?(?:from|with) us",
        r"work with us on your (?:next )?(?:project|campaign)",
    )),
)  # fmt: skip


# --- German -------------------------------------------------------------------------------------------

# "Sale" in German copy is the shop's sale; English uses the word honestly too ("the sale of your
# company", "point-of-sale"), so in English text the English rules, which read its context, decide.
_DE_SALE_LOANWORD = Rule("discount", rx(r"sale", r"sale-\w+", r"\w+-sale"))

# The sender's sales people: "unser Vertrieb", "einem unserer Vertriebsmitarbeiter", "unser Sales-Team".
_DE_SALES_PEOPLE = (
    r"(?:vertrieb\w*|vertriebs-team|verkauf|verkaufsteam|verkaufsabteilung|verkaufsberater\w*|verkäufer\w*|"
    r"außendienst\w*|sales-?team|sales-?abteilung|sales)"
)
_DE_OUR = r"(?:unser|unsere|unseren|unserem|unserer|(?:einem|einer|einen) unserer)"
_DE_OUR_SALES = rf"{_DE_OUR} (?:\w+ )?{_DE_SALES_PEOPLE}"

DE_RULES: tuple[Rule, ...] = (
    _DE_SALE_LOANWORD,
    Rule("discount", rx(r"\w*rabatt\w*", r"\w*gutschein\w*"), _not_topic_compound),
    Rule("discount", rx( r"\w*preisnachlass\w*", r"skonto", r"schnäppchen\w*",
        r"\w*ausverkauf\w*", r"schlussverkauf\w*", r"aktionscode\w*", r"promo-?codes?", r"coupons?",
        r"(?:zum|zu) halben preis", r"halbe[nr]? preis(?:es)?", r"hälfte des preises", r"zwei zum preis von einem",
        r"2 für 1", r"preissenkung\w*", rf"{_PCT} auf (?:alles|alle\w*|ihre\w*|den gesamten|das gesamte|jede\w*|"
        r"(?:die|den|das|eine\w*|unsere\w*) (?:\w+ )?(?!\w*(?:kosten|ausgaben|anteil|markt|umsatz)\b)(?:\w*lizenz\w*|abos?|"
        r"\w*abonnement\w*|\w*bestellung\w*|\w*buchung\w*|\w*tickets?|\w*paket\w*|\w*tarif\w*|\w*seminar\w*|"
        r"\w*teilnahme\w*|jahresgebühr\w*|\w*software|\w*produkte?))", r"reduzierte[nm]? preis\w*", r"preise (?:stark |radikal )?(?:reduziert|gesenkt)",
        r"\d+ (?:monate?|wochen?|tage|jahre?) (?:lang )?(?:gratis|kostenlos|umsonst|geschenkt|frei)",
        r"(?:erste[nrs]?|ersten) (?:monat|jahr|wochen?) (?:gratis|kostenlos|umsonst|geschenkt)",
        r"(?:gratis|kostenlos|umsonst) dazu",
        r"(?:zweite|dritte)[nrs]? (?:\w+ )?(?:ticket|lizenz|platz|monat|jahr|exemplar|teilnehmer\w*|nutzer\w*) "
        r"(?:ist |gibt es )?(?:gratis|kostenlos|umsonst|geschenkt|kostenfrei)",
        r"(?:sommer|winter|frühjahrs|frühlings|herbst|oster|weihnachts|jahresend|mega|super|flash)sale",
    )),
    Rule("offer", rx(
        r"\w*sonderangebot\w*", r"aktionspreis\w*", r"einführungspreis\w*", r"einführungsangebot\w*",
        r"vorzugspreis\w*", r"frühbucher\w*", r"vorteilspreis\w*", r"sparpreis\w*", r"angebotspreis\w*",
        r"sonderkondition\w*", r"kennenlern(?:angebot|preis|rabatt)\w*", r"jubiläumsangebot\w*", r"bestpreis\w*",
        r"tiefpreis\w*", r"tiefstpreis\w*", r"preisvorteil\w*", r"preisaktion\w*", r"preiskracher\w*",
        r"preishammer\w*", r"preisknaller\w*", r"kampfpreis\w*", r"schnäppchenpreis\w*", r"top-angebot\w*",
        r"angebot\w* (?:\w+ ){0,3}?unterbreit\w*", r"unterbreit\w* (?:\w+ ){0,4}?angebot\w*",
        r"(?:unverbindlich|individuell|persönlich|attraktiv|günstig|exklusiv|einmalig|speziell|passend|"
        r"maßgeschneidert|besonder|unschlagbar|einzigartig)\w* (?:preis-?)?angebot\w*",
        r"angebot (?:des|der) (?:monats|woche|tages|jahres)", r"angebot\w* anfordern", r"fordern sie (?:\w+ ){0,3}?angebot\w* an",
        r"(?:monatlich|jederzeit|täglich) kündbar",
        r"(?:top|sonder|vorzugs|spezial|exklusiv|best|vorteils)-?konditionen",
        r"(?:attraktive|günstige|beste|besten|exklusive|besondere)n? konditionen",
        r"(?:sonder|jubiläums|sommer|winter|weihnachts|oster|frühjahrs|herbst)aktion\w*", r"aktionsware\w*",
        r"(?:geschenk|prämie|bonus|zugabe) (?:\w+ )?(?:gratis |kostenlos )?dazu",
        r"(?:preis|preise|konditionen|kosten) (?:gerne |gern )?auf anfrage", r"preisliste\w* (?:\w+ )?anfordern",
        r"fordern sie (?:\w+ ){0,3}?(?:preisliste|preise|konditionen|testzugang|demozugang|kostenvoranschlag)\w* an",
        r"(?:schicke|schicken|sende|senden|erstelle|erstellen|mache|machen|unterbreite|unterbreiten|darf|kann|können|"
        r"würde|würden|möchte|möchten) (?:ich |wir )?(?:ihnen|dir|euch) (?:gerne? |gern |gleich |kurz |noch heute )?"
        r"(?:ein|einen|unser) (?:\w+ )?(?:angebot|kostenvoranschlag)(?! (?:an|aus|von|der|des)\b)",
        r"normalpreis\w*", r"regulärpreis\w*",
        r"early[- ]bird(?:[- ](?:tarif|preis|ticket|rabatt|angebot|phase|frist)\w*| bis\b)",
        r"(?:hier geht'?s|hier geht es|weiter|direkt|jetzt) zum angebot", r"zu (?:den|unseren) preisen",
        r"zur preisübersicht", r"(?:angebot|angebote|preise|preisliste|konditionen|tarife) (?:jetzt |hier )?"
        r"(?:ansehen|entdecken|einsehen|anschauen)",
    )),
    Rule("offer", rx(r"sonderpreis\w*"), _not_in_honour_context),
    Rule("call_to_buy", rx(
        r"(?:jetzt|hier|sofort|direkt|gleich|heute|online|noch heute|einfach|bequem) (?:(?!jetzt\b|hier\b)\w+ ){0,2}?"
        r"(?:kaufen|bestellen|ordern|shoppen|erwerben)",
        r"(?:kaufen|bestellen|ordern|erwerben|abonnieren|shoppen) sie",
    ), _not_first_person),
    Rule("call_to_buy", rx(
        r"(?:jetzt|sofort|direkt|online) (?:\w+ ){0,2}?(?:buchen|abonnieren|upgraden|abschließen)",
        r"buchen sie (?:\w+ ){0,2}?(?:jetzt|sofort|direkt|noch heute|online)",
        r"(?:jetzt|schnell|sofort) zugreifen", r"greifen sie (?:jetzt |schnell |gleich |sofort )?zu",
        r"in den warenkorb", r"zum warenkorb", r"zur kasse", r"zum (?:online-?)?shop", r"im (?:online-?)?shop",
        r"in unserem (?:online-?)?shop", r"(?:online-?)?shop besuchen", r"besuchen sie unseren (?:online-?)?shop",
        r"sichern sie sich(?! (?:\w+ ){0,4}?ab\b)(?! gegen)(?! (?:\w+ ){0,2}?(?:unterstützung|zustimmung|rückendeckung|"
        r"rückhalt|akzeptanz|vertrauen\b|buy-in|mehrheit))", r"jetzt sichern",
        r"(?:lizenz|lizenzen|platz|plätze|ticket|tickets|rabatt|vorteil|preisvorteil|exemplar|zugang|paket|"
        r"rabattcode|gutschein|sonderpreis|frühbucherpreis|restplatz|restplätze) (?:\w+ )?sichern",
        r"jetzt (?:kostenlos )?(?:anmelden|registrieren|teilnehmen)",
        r"melden sie sich (?:jetzt|gleich|hier|sofort|noch heute) (?:\w+ ){0,3}?an",
        r"registrieren sie sich (?:jetzt|gleich|hier|sofort|noch heute)",
        r"demo (?:vereinbaren|buchen|anfordern)", r"bestellung aufgeben", r"abo abschließen",
        r"(?:lizenz|lizenzen|abo|abonnement) (?:jetzt )?(?:kaufen|erwerben|bestellen|abschließen)",
        r"(?:kostenpflichtig|bezahlt)\w* (?:\w+ ){0,2}?(?:buchen|bestellen)",
        r"jetzt (?:mitmachen|profitieren|zuschlagen|upgraden|wechseln)",
        r"holen sie sich (?:jetzt |gleich |noch heute |schnell )?(?:ihr|ihre|ihren|den|die|das|einen|eine) (?:\w+ )?"
        r"(?:exemplar|ticket|lizenz|rabatt|gutschein|vorteil|platz|zugang|paket|testversion|angebot|bonus)\w*", r"profitieren sie jetzt",
        r"profitieren sie von (?:unserem|unseren|diesem|diesen) (?:\w+ )?(?:angebot|preis|rabatt|konditionen)\w*",
        r"vereinbaren sie (?:jetzt |gleich |noch heute |direkt )?(?:\w+ ){0,2}?(?:demo|produktdemo|live-demo|"
        r"beratungstermin|beratungsgespräch|verkaufsgespräch|testzugang)\w*",
        r"(?:testzugang|demozugang|probezugang|testversion) (?:jetzt )?(?:anfordern|beantragen|freischalten)",
        r"(?:jetzt |gleich |einfach )?unverbindlich anfragen", r"jetzt anfragen",
        r"upgraden sie", r"upgrade auf (?:die |den |das )?(?:premium|pro|plus|business|enterprise)\b(?:-\w+)?",
        r"auf (?:die |den |das )?(?:premium|pro|plus|business|enterprise)(?:-\w+)? (?:upgraden|wechseln|umsteigen)",
        r"wechseln sie (?:jetzt |gleich )?(?:\w+ ){0,2}?(?:premium|pro|plus|business|enterprise)-?(?:tarif|paket|plan|version)\w*",
        r"(?:premium|pro|plus)(?:-\w+)? freischalten",
        r"buchen sie (?:jetzt |gleich |direkt )?(?:ihren|ihr|ihre|einen|ein|eine|den|die|das) (?:\w+ )?(?:platz|plätze|"
        r"ticket|tickets|sitzplatz|seminarplatz|teilnahme|demo|lizenz|zugang|beratung|kurs|paket|tarif)\w*",
        r"reservieren sie (?:sich )?(?:jetzt |gleich |noch heute )?(?:ihren|ihr|ihre|einen|ein|eine|den) (?:\w+ )?"
        r"(?:platz|ticket|sitzplatz|lizenz|zugang|exemplar)\w*",
        r"(?:jetzt|hier|gleich) (?:\w+ ){0,2}?(?:platz|plätze|ticket|tickets) (?:\w+ )?reservieren",
        r"hier (?:kostenlos |gleich |direkt )?(?:anmelden|registrieren|bestellen|buchen)",
        r"jetzt (?:mitglied|kunde|abonnent|premium-?\w*) werden", r"werden sie (?:jetzt )?(?:kunde|abonnent|premium-?\w*)",
        r"(?:sicher|hol|buch)(?:e|t)? (?:dir|euch) (?:jetzt |gleich |noch heute |schnell )?(?:dein|deine|deinen|euer|eure|"
        r"euren|einen|eine|ein|den|die|das) (?:\w+ )?(?:exemplar|ticket|lizenz|rabatt|gutschein|vorteil|platz|zugang|"
        r"paket|testversion|angebot|bonus|demo|sitzplatz|frühbucher)\w*",
        r"(?:angebot|angebote|preisvorteil|vorteilspreis|sonderpreis)\w* (?:jetzt )?sichern",
    )),
    Rule("urgency", rx(
        r"nur (?:noch )?heute",
        r"(?:aller)?letzte chance(?= ?[!:.\n]| ?$| (?:auf|für|zum|zur) (?:[\w-]+ ){0,2}?\w*(?:rabatt|preis|angebot|"
        r"aktion|platz|plätze|ticket|lizenz|vorteil|sale|bonus|gutschein|kauf|bestellung|anmeldung)|, (?:\w+ ){0,6}?"
        r"(?:zu sichern|zu kaufen|zu bestellen|zu buchen|anzumelden|zu sparen|zu profitieren|zuzugreifen))",
        r"(?:nur )?solange (?:der )?vorrat reicht", r"solange (?:der )?vorrat",
        r"nur (?:noch )?für (?:kurze|begrenzte) zeit", r"für kurze zeit (?:nur|gültig|verfügbar|erhältlich)",
        r"zeitlich (?:begrenzt|befristet)\w*", r"befristet\w* (?:angebot|aktion)\w*",
        r"angebot gilt", r"gilt nur (?:noch )?(?:bis|heute|solange|für kurze)", r"nur noch bis (?:heute|morgen|mitternacht)",
        r"nur (?:noch )?(?:wenige|\d+|zwei|drei|vier|fünf) (?:freie )?(?:plätze|exemplare|lizenzen|tickets|stück|restplätze)",
        r"restplätze", r"begrenzte (?:stückzahl|plätze|verfügbarkeit)", r"plätze sind (?:streng )?(?:begrenzt|limitiert)",
        r"streng limitiert", r"limitierte\w* (?:angebot|auflage|aktion|plätze)\w*",
        r"verpassen sie (?:\w+ ){0,3}?nicht", r"nicht verpassen!",
        r"(?:angebot|chance|gelegenheit|rabatt|aktion|vorteil)\w* nicht verpassen",
        r"(?:bevor|ehe) es zu spät ist", r"seien sie schnell", r"schnell sein", r"worauf warten sie",
        r"jetzt oder nie", r"(?:angebot|aktion|rabatt|sale)\w* (?:endet|läuft) (?:\w+ )?(?:heute|morgen|bald|ab)",
        r"countdown", r"last-minute-\w+",
        r"(?:aktion|angebot|rabatt|sale|sonderpreis|frühbucherpreis|preisaktion)\w* (?:endet|läuft|gilt)",
        r"bei bestellung (?:bis|vor|innerhalb)", r"(?:bevor|ehe) (?:die )?preise (?:steigen|erhöht werden|anziehen)",
        r"die ersten \d+ (?:anmeldungen|besteller\w*|kunden|käufer\w*|buchungen|teilnehmer\w*) (?:erhalten|bekommen|sparen)",
        r"(?:angebot|aktion|rabatt|preis|sonderpreis|frühbucherpreis|code|gutschein|konditionen)\w* (?:ist |sind )?"
        r"(?:nur )?(?:noch )?gültig bis",
        r"(?:anmeldung|buchung|bestellung|registrierung)\w* (?:ist |sind )?(?:nur )?noch bis",
        r"nur (?:noch )?bis (?:[\w.]+ ){1,3}?(?:buchbar|bestellbar)",
        r"gilt (?:wieder |dann )?(?:der|den) (?:reguläre|normale)n? preis",
        r"(?:unsere|der|die) preise? (?:steigt|steigen|erhöht sich|erhöhen sich) (?:ab|am|zum|nach) (?:montag|dienstag|"
        r"mittwoch|donnerstag|freitag|samstag|sonntag|morgen|nächste\w*|\d{1,2}\.)",
    )),
    # An offer with a deadline: "Angebot nur bis Freitag", "Rabatt nur diese Woche", "nur noch bis Ende des
    # Monats gültig" (not "Der Link ist bis Ende des Monats gültig": no "nur noch", no offer).
    Rule("urgency", rx(
        r"(?:angebot\w*|aktion|aktionen|rabatt\w*|sonderpreis\w*|preis|preise|konditionen|gutschein\w*|deals?|"
        r"sale) (?:ist |sind |gilt |gelten |läuft |laufen )?(?:nur|bloß|lediglich) (?:noch )?"
        r"(?:bis(?! zu\b)|diese\w* (?:woche|wochenende|monat))",
    )),
    Rule("urgency", rx(
        rf"nur noch bis {_DE_WHEN} (?:\w+ )?(?:gültig|verfügbar|erhältlich|zu haben|einlösbar|buchbar|"
        r"bestellbar|abrufbar|freigeschaltet)",
        rf"nur bis {_DE_WHEN} (?:\w+ )?(?:einlösbar|erhältlich|zu haben|bestellbar)",
    ), _not_own_time),
    # "Nur bis Freitag!", "Lizenzen nur noch bis Ende des Monats" (not "Ich bin nur bis Freitag im Büro")
    Rule("urgency", rx(
        rf"(?:nur|bloß|lediglich) (?:noch )?(?:bis {_DE_WHEN}|diese\w* (?:woche|wochenende|monat))",
    ), _sales_deadline),
    # A call to the sales department: "Vereinbaren Sie einen Termin mit unserem Vertrieb".
    Rule("call_to_buy", rx(
        rf"(?:(?:vereinbaren|buchen|planen|machen|fordern) (?:sie|du)|vereinbare|buche) (?:\w+ ){{0,4}}?mit "
        rf"{_DE_OUR_SALES}",
        r"(?:termin|gespräch|telefonat|call|rückruf|beratungsgespräch|beratungstermin|videocall|video-call|"
        rf"demo)\w* (?:\w+ ){{0,2}}?mit {_DE_OUR_SALES} (?:\w+ )?(?:vereinbaren|buchen|ausmachen|anfragen|"
        r"anfordern|planen)",
        r"(?:(?:kontaktieren|sprechen|wenden|melden|rufen|schreiben|fragen|telefonieren) (?:sie|du)|"
        rf"kontaktiere|sprich|wende|melde|ruf|schreib|frag) (?:sich |dich )?(?:\w+ ){{0,3}}?(?:an |mit |bei )?"
        rf"{_DE_OUR_SALES}",
        rf"unser(?:e|er)? (?:\w+ )?{_DE_SALES_PEOPLE} (?:\w+ )?(?:meldet sich|melden sich|ruft sie|rufen sie|"
        r"kontaktiert sie|kontaktieren sie|berät sie|beraten sie|steht ihnen|stehen ihnen|steht dir|"
        r"freut sich auf (?:ihren|ihre|deinen|deine|einen|ein) (?:\w+ )?(?:anruf|anfrage|nachricht|gespräch|"
        r"kontakt))",
    )),
    # "Wenn Sie mit unserem Vertrieb sprechen möchten" (not "Ich werde mit unserem Vertrieb sprechen")
    Rule("call_to_buy", rx(
        rf"(?:mit|an|bei) {_DE_OUR_SALES} (?:\w+ )?(?:sprechen|telefonieren|wenden|melden|verbinden|"
        r"austauschen)",
    ), _not_first_person),
    Rule("sales_claim", rx(
        r"(?:jetzt|nun|ab sofort) noch (?:besser|günstiger|schneller|stärker|leistungsfähiger|einfacher|billiger)",
        r"noch günstiger", r"neu und verbessert", r"(?:jetzt|ab sofort|ganz) neu(?: ?[!:]| im (?:shop|sortiment|"
        r"programm|angebot|handel|store)| erhältlich| verfügbar| bei uns)",
        r"(?<!ist\s)(?<!sind\s)(?<!was\s)(?:brand|nagel)?neu ?!", r"(?<!ist\s)(?<!sind\s)(?<!was\s)(?<!wer\s)neu ?:(?!\d)",
        r"neu (?:im sortiment|eingetroffen|im shop)", r"\w*neuheit ?!",
        r"unser(?:e|en|em|er|es)? (?:brand)?neu\w* (?:produkt|tool|software|lösung|app|plattform|version|funktion|"
        r"feature|paket|tarif|service|kollektion|modell|sortiment|produktlinie)\w*",
        r"unschlagbar\w*", r"konkurrenzlos günstig", r"(?:so )?günstig wie nie", r"spottbillig",
        r"(?:bester|besten|günstigsten|niedrigsten|günstigster|niedrigster) preis\w*", r"preis-leistung\w*",
        r"geld-zurück-garantie", r"zufriedenheitsgarantie", r"100 ?% zufriedenheit", r"risikofrei\w*",
        r"risikolos\w*", r"ohne risiko", r"überzeugen sie sich (?:selbst|jetzt)", r"testsieger\w*",
        r"exklusiv für sie",
    )),
    Rule("sales_claim", re.compile(r"(?<!\w)NEU(?![-.\w])")),  # the shouted claim, not the word "neu"
    Rule("free_offer", rx(
        r"(?:kostenlos|gratis|unverbindlich|risikofrei|risikolos|umsonst)\w* (?:\w+ )?(?:testen|ausprobieren|probieren)",
        r"(?:kostenlos|gratis)\w* (?:testversion|testphase|probeabo|probemonat|testzugang|test|demo|erstberatung|"
        r"beratung|probe|muster|zugabe|versand|lieferung|upgrade|lizenz|testmonat|audit|potenzialanalyse|potentialanalyse|"
        r"erstgespräch|strategiegespräch|kennenlerngespräch|erstanalyse)\w*",
        r"unverbindlich\w* (?:erstberatung|beratung|beratungsgespräch|beratungstermin|erstgespräch|strategiegespräch|demo|"
        r"produktdemo|testphase|test|potenzialanalyse)\b",
        r"(?:versand|lieferung) (?:ist )?(?:kostenlos|gratis|kostenfrei)",
        r"testversion\w*", r"probeabo\w*", r"probemonat\w*", r"versandkostenfrei\w*",
        r"(?:keine|ohne) kreditkarte(?: erforderlich| nötig| notwendig)?", r"geschenk zu (?:ihrer|jeder) bestellung",
        r"jetzt (?:kostenlos|gratis) (?:\w+ )?(?:testen|sichern|anfordern|starten)",
    )),
    *DE_OFFERING_RULES,
)  # fmt: skip

# --- English ------------------------------------------------------------------------------------------

EN_RULES: tuple[Rule, ...] = (
    Rule("discount", rx(
        r"coupons?(?: codes?)?", r"vouchers?(?: codes?)?", r"promo ?codes?", r"promotional codes?", r"discount codes?",
        r"discount(?:s|ed)?(?! (?:cash flows?|rates?)\b)", r"bargains?", r"clearance", r"price cuts?", r"price drops?",
        r"reduced prices?", r"half[- ]price", r"half off", r"at half the price", r"two for one", r"2[- ]for[- ]1",
        r"buy one,? get one", r"bogo",
        r"(?:flash|summer|winter|spring|autumn|fall|big|mega|huge|annual|holiday|christmas|year-end|end-of-season|"
        r"clearance|anniversary|weekend|exclusive|members-only|private) sale",
        r"on sale", r"sale (?:ends|now on|price|prices|starts)", r"for sale now",
        r"\d+ (?:months?|weeks?|days?|years?) (?:for )?free", r"(?:first|1st) (?:month|year|weeks?) (?:is )?free",
        r"free (?:months?|weeks?)", r"buy (?:\d+|one|two|three),? get (?:\d+|one|two) (?:for )?free",
    )),
    Rule("offer", rx(
        r"special offers?", r"exclusive offers?", r"exclusive deals?", r"limited offers?",
        r"introductory (?:offer|price|pricing|rate|discount)s?",
        r"special (?:price|pricing|rate|deal|discount|conditions|terms)s?",
        r"(?:best|great|amazing|unbeatable|incredible|hot|exclusive|special|sweet|fantastic|unique) deals?(?! of\b)",
        r"deals? of the (?:day|week|month|year)", r"early[- ]bird (?:price|pricing|rate|discount|offer|ticket|special)s?",
        r"loyalty discount", r"make you an? (?:\w+ )?offer", r"send you an? (?:\w+ )?(?:quote|offer|proposal)",
        r"personali[sz]ed (?:offer|quote|deal)s?", r"tailored (?:offer|quote|deal)s?", r"non-binding (?:offer|quote)s?",
        r"free quotes?", r"(?:get|request) (?:a|your) (?:free )?quote", r"bundle (?:price|deal|offer)s?",
        r"(?:irresistible|unbeatable|attractive) (?:offer|price)s?", r"cancel any ?time",
        r"exclusive (?:pricing|prices?|rates?|terms|discounts?)",
        r"lock in (?:this|the|your|our|today's) (?:low )?(?:price|rate|discount|deal)s?",
        r"request (?:our )?(?:pricing|prices|a price list|our price list)", r"pric(?:e|es|ing) (?:up)?on request",
        r"(?:view|see|check out|visit|explore|go to|head to) our (?:pricing|price list)(?: page)?"
        r"(?! (?:strateg\w*|models?|teams?|research|approach\w*)\b)",
        r"contact (?:us|me|our sales team|sales) for (?:pricing|prices|a price|a quote|an offer)",
    )),
    Rule("offer", rx(r"(?:special|exclusive|limited|seasonal|holiday|partner|spring|summer|winter) promotions?"),
         _not_in_honour_context),
    Rule("call_to_buy", rx(
        r"buy (?:it |them |one |yours |now |today |online )?(?:now|today|here|online)", r"buy yours",
        r"order (?:it |yours |online )?(?:now|today|here)", r"order yours", r"place (?:your|an) order",
        r"(?:order|get|buy|grab|pre-?order) your (?:copy|copies|seat|seats|ticket|tickets|licen[cs]e|licen[cs]es)",
    ), _not_first_person),
    Rule("call_to_buy", rx(
        r"shop (?:now|today|online now)", r"shop the (?:sale|collection|range)",
        r"(?:visit|browse|check out) our (?:online )?(?:shop|store)", r"in our (?:online )?(?:shop|store)",
        r"add (?:it )?to (?:your )?(?:cart|basket)", r"proceed to checkout", r"checkout now",
        r"purchase (?:now|today|here|online)", r"purchase your", r"subscribe (?:now|today)",
        r"sign up (?:now|today|here)", r"register (?:now|today)", r"enrol+ (?:now|today)",
        r"book (?:now|today)", r"book your (?:seat|spot|place|ticket|tickets|copy|licen[cs]e)s?",
        r"book (?:a |an |your )?(?:paid|premium) \w+", r"(?:paid|premium) (?:session|consultation|workshop|plan|tier)s?",
        r"reserve your (?:seat|spot|place|ticket|copy|licen[cs]e)s?",
        r"claim your (?:discount|offer|deal|licen[cs]e|seat|spot|free|copy|coupon|voucher|bonus|gift|code)\w*",
        r"grab (?:your|yours|one|it)(?: now| today| here)?", r"secure your (?:seat|spot|place|licen[cs]e|discount|deal|copy|"
        r"ticket|price|offer)s?", r"get (?:yours|it|one) (?:now|today)", r"get started (?:now|today)",
        r"upgrade (?:now|today)", r"upgrade to (?:the )?(?:pro|premium|plus|business|enterprise)",
        r"(?:request|book|schedule|get|arrange) (?:a |your )?(?:free |personal |live )?demo",
        r"click here to (?:buy|order|purchase|subscribe|shop|claim|save)",
        r"(?:buy|purchase) (?:a |the |our |your )?licen[cs]es?", r"pre-?order (?:now|today|yours)",
        r"join (?:now|today)(?!')",
    )),
    Rule("urgency", rx(
        r"today only", r"only today", r"(?:this|one) day only", r"limited[- ]time", r"for a limited time",
        r"limited (?:availability|stock|spots|seats|places|supply|edition|quantities)", r"act (?:now|fast|quickly|today)",
        r"(?<!no\s)(?<!a\s)(?<!to\s)(?<!any\s)(?<!the\s)hurry(?: up)?(?= ?[!,.:]| now| while| before)",
        r"(?:don't|do not|dont) miss (?:out|this|it|the chance|your chance|this chance|this offer|this deal)",
        r"(?:last|final) chance(?= ?[!:.\n]| ?$| (?:to|for|on|at) (?:[\w-]+ ){0,2}?(?:buy|order|purchase|save|register|"
        r"book|get|grab|claim|sign|secure|join|enrol\w*|benefit|profit|shop|subscribe|upgrade|discount\w*|offer\w*|"
        r"deals?|price\w*|sale|savings|seats?|spots?|tickets?|licen[cs]es?))",
        r"while (?:supplies|stocks?) last",
        r"(?:offer|sale|deal|discount|promotion|promo|price)s? (?:ends|expires|is valid until|valid until|valid through|"
        r"only valid)", r"expires? (?:soon|tonight|today|at midnight)", r"ends (?:tonight|at midnight)",
        r"only \d+ (?:seats|spots|places|licen[cs]es|copies|tickets|units|items) (?:left|remaining)",
        r"(?:only )?(?:a )?(?:few|last) (?:seats|spots|places|tickets|copies|licen[cs]es) (?:left|remaining|available)",
        r"before it's too late", r"before (?:it's|they're|its|theyre) gone", r"what are you waiting for",
        r"now or never", r"time is running out", r"(?:running out|selling) fast", r"don't wait", r"don't delay",
        r"(?:only )?(?:a few|\d+) hours left", r"last day to (?:order|buy|save|register|claim|book|shop)",
        r"final hours", r"countdown", r"expiring soon", r"be quick", r"be fast",
        r"before (?:it|the price|prices) (?:goes|go|rises?) up",
        r"the first \d+ (?:sign-?ups|buyers|customers|orders|registrations|subscribers) (?:get|receive|save)",
        r"(?:only|just) (?:\d+|one|two|three|four|five|a handful of) (?:\w+ )?(?:seats|spots|places|licen[cs]es|copies|"
        r"tickets|seat|spot|place|ticket) (?:left|remaining)",
        r"(?:our prices|the price) (?:goes|go|will go) up (?:on|after|from|next|tomorrow|at midnight)",
    )),
    # An offer with a deadline: "Offer only until Friday", "Discount valid only this week".
    Rule("urgency", rx(
        r"(?<!job\s)(?:offer|deal|discount|sale|promotion|promo|price|pricing|coupon|voucher)s? "
        r"(?:is |are |runs |run |lasts |last |stands |holds )?(?:valid |available |good |open |running )?"
        r"(?:only|just) (?:valid |available |good |open |running |on )?(?:until|till|til|through|thru|"
        r"to the end of|this (?:week|weekend|month)|for (?:this|one) (?:week|weekend|month))",
    )),
    # "Only until Friday!", "Licences only until the end of the month" (not "I'm only in London until Friday")
    Rule("urgency", rx(
        r"(?:only|just) (?:valid |available |open |on sale |running )?(?:until|till|til|through|thru) "
        rf"{_EN_WHEN}",
        r"only (?:this|for this) (?:week|weekend|month)",
    ), _sales_deadline),
    # A call to the sales team: "Schedule a call with our sales team", "Talk to our sales experts".
    Rule("call_to_buy", rx(
        r"(?:schedule|book|arrange|set up|request|organi[sz]e|jump on|hop on|get on) (?:a |an |your |the )?"
        r"(?:\w+ )?(?:call|meeting|chat|demo|session|consultation|appointment|conversation|video call|"
        rf"phone call|zoom) with {_EN_OUR_SALES}",
        r"(?<!your\s)(?<!the\s)(?<!a\s)(?<!my\s)(?<!our\s)(?<!his\s)(?<!her\s)(?<!their\s)(?<!this\s)"
        rf"(?:talk|speak|chat|get in touch|connect|meet) (?:to|with) {_EN_OUR_SALES}",
        r"(?:contact|reach out to|call|email|e-mail|ping|message|introduce you to|connect you with) "
        rf"{_EN_OUR_SALES}",
        r"(?:contact|talk to|speak (?:to|with)|chat with) sales"
        r"(?= ?[.!:,)]| ?$| (?:today|now|to|for|about)\b)",
        rf"{_EN_OUR_SALES} (?:will|would|can|could|is|are|'ll|'d) (?:be )?(?:happy|glad|delighted|pleased|"
        r"ready|available|standing by|here) to",
        rf"{_EN_OUR_SALES} will (?:reach out|contact you|call you|get in touch|be in touch|get back to you|"
        r"follow up)",
    )),
    Rule("sales_claim", rx(
        r"now (?:even )?(?:better|cheaper|faster|stronger)(?: than ever)?!?", r"new and improved", r"all-new",
        r"(?<!what's\s)(?<!whats\s)(?<!what\sis\s)(?:brand[- ])?new ?!",
        r"(?<!what's\s)(?<!whats\s)(?<!what\sis\s)new ?:(?!\d)",
        r"new (?:arrivals?|in store|in stock|in our shop|in the shop)", r"just (?:arrived|landed) in (?:our )?(?:shop|store)",
        r"introducing our", r"our (?:brand[- ])?new (?:product|tool|software|solution|app|platform|version|feature|"
        r"package|plan|service|offering|collection|model|range|product line|subscription)s?",
        r"unbeatable", r"best price\w*", r"lowest price\w*", r"(?:great|best|unbeatable) value(?: for money)?",
        r"value for money", r"money[- ]back guarantee", r"satisfaction guaranteed", r"100 ?% satisfaction",
        r"risk[- ]free", r"no risk", r"see for yourself", r"game[- ]changer", r"exclusively for you",
        r"you (?:won't|will not) (?:want to )?miss", r"you (?:won't|will not) believe",
    )),
    Rule("sales_claim", re.compile(r"(?<!\w)NEW(?=\s*[!:]|\s+(?:IN|AT|FROM|ARRIVALS?|PRODUCTS?|RELEASE|FEATURES?|"
                                   r"VERSION|EDITION|COLLECTION)\b)")),  # fmt: skip
    Rule("free_offer", rx(
        r"free trials?", r"trial for free", r"try (?:it |us |them |\w+ )?(?:for )?free", r"(?:get )?start(?:ed)? (?:your |a |for )?free(?! (?:time|of|to|from)\b)",
        r"free for \d+ days", r"free demos?", r"free consultations?", r"free shipping", r"free delivery",
        r"free gifts?", r"free upgrades?", r"free licen[cs]es?", r"no credit card(?: required| needed)?",
        r"try (?:it )?risk[- ]free", r"get (?:it|one|yours) (?:for )?free", r"for free!", r"100 ?% free",
        r"totally free", r"complimentary (?:trial|upgrade|month|licen[cs]e)s?", r"bonus gifts?",
        r"free (?:\d+[- ]min(?:ute)?s? )?(?:strategy (?:call|session)|discovery call|consultation|audit|assessment)s?"
        r"(?! (?:checklists?|templates?|guides?|frameworks?|reports?|toolkits?|worksheets?)\b)",
    )),
    *EN_OFFERING_RULES,
)  # fmt: skip

# --- links --------------------------------------------------------------------------------------------

URL_RULES: tuple[Rule, ...] = (
    Rule("shop_link", re.compile(
        r"[?&;](?:coupon|coupon_?code|promo|promo_?code|promocode|voucher|gutschein|rabatt|rabattcode|discount|"
        r"discount_?code|deal)=", re.IGNORECASE)),
    Rule("shop_link", re.compile(
        r"/(?:checkout|cart|basket|warenkorb|kasse|shop|store|buy|order|kaufen|bestellen|pricing|preise|"
        r"angebot|angebote|sale|deals?|offers?|coupons?|gutscheine?|rabatt|aktion)(?=[/?#.;]|$)", re.IGNORECASE)),
    Rule("shop_link", re.compile(
        r"(?<=[/\-_])(?:jetzt[-_]kaufen|jetzt[-_]bestellen|buy[-_]now|order[-_]now|add[-_]to[-_]cart|"
        r"black[-_]friday|cyber[-_]monday|sonderangebot\w*|special[-_]offer|free[-_]trial|kostenlos[-_]testen|"
        r"(?:book|request|schedule)[-_](?:a[-_])?demo|demo[-_](?:buchen|anfordern|vereinbaren)|angebot[-_]anfordern|"
        r"plans[-_]and[-_]pricing|pricing[-_]plans|preise[-_]und[-_]pakete)(?=[/?#.\-_]|$)", re.IGNORECASE)),
    # A campaign named after the sale or the coupon: `?utm_campaign=spring-sale`.
    Rule("shop_link", re.compile(
        r"[?&;]utm_[a-z]+=(?:[^&#\s]*?[^a-z&#\s])?(?:sale|rabatt\w*|discount\w*|coupons?|gutschein\w*|promo(?:codes?)?|"
        r"black[-_]?friday|cyber[-_]?monday|sonderangebot\w*|special[-_]?offers?|fr(?:ü|ue)hbucher\w*|"
        r"early[-_]?bird)(?![a-z])", re.IGNORECASE)),
    Rule("shop_link", re.compile(r"(?<=//)(?:shop|store|checkout|buy|kasse)\.", re.IGNORECASE)),
)


def rules_for(language: str) -> tuple[Rule, ...]:
    """The rules for a language ("de", "en", also "de-AT", "en_GB"): its own first, then the other's; both for anything else."""
    lang = re.split(r"[-_]", (language or "").strip().lower(), maxsplit=1)[0]
    if lang == "de":
        return _FOR_GERMAN
    if lang == "en":
        return _FOR_ENGLISH
    return COMMON_RULES + DE_RULES + EN_RULES


# Each language's text is also read with the other's rules: German copy borrows English offers
# ("Buy now", "Special Offer", "Free Trial"), and "Jetzt kaufen" in an English mail is no less an
# offer. Only the German loanword "Sale" is left out for English (see `_DE_SALE_LOANWORD`).
_FOR_GERMAN: tuple[Rule, ...] = COMMON_RULES + DE_RULES + EN_RULES
_FOR_ENGLISH: tuple[Rule, ...] = COMMON_RULES + EN_RULES + tuple(r for r in DE_RULES if r is not _DE_SALE_LOANWORD)
