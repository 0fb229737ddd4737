"""What a comment is: a ``question``, ``support`` (a "me too" reply, counted for its parent) or ``chatter``
(talk about the stream, greetings, thanks, praise, reactions, remarks on the process, off-topic talk).

Precision on real questions comes first: a question sent to "Чат" is worse than a "+1" left in "Новые", so a
comment is chatter only on a clear sign, and anything with a problem in it stays a question. The rules, in
order (measured with ``bench/triage.py --set tune``; the held-out district is only reported):

1. A reply under chatter (or spam) is chatter; a reply under a question that only agrees — "+" in any count,
   "+1000", a thumbs-up, "подтверждаю", "присоединяюсь", "поддерживаю", "и у нас так же", "живу там же",
   "тоже хотим знать" — is ``support``, whatever detail follows ("подтверждаю, вчера колесо пробил у аптеки"),
   unless it names another street or settlement than its parent (then it is a question of its own).
2. Only emoji, punctuation or laughter: chatter (support when it is a reply to a question).
3. The stream itself: sound, picture, broadcast, recording, "когда начнётся", "повторите, прерывалось".
4. Courtesy with nothing else: a greeting, thanks, a farewell, praise or congratulations, once greetings and
   addresses are taken off; thanks for an answer or for something done ("спасибо за ответ про мост", "спасибо
   за новую площадку") when no question and no "но" follows.
5. Remarks and off-topic talk ("ничего не сделают", "одни обещания", "кто подскажет электрика", "хватит
   спамить", "вопросы сюда писать?"), unless the comment also asks about a problem of a topic ("?" and a
   topic other than ``other``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

Kind = str  # "question" | "support" | "chatter"
KINDS = ("question", "support", "chatter")

_LETTERS = re.compile(r"[a-zа-яё0-9]", re.IGNORECASE)
_LAUGH = re.compile(r"^\W*(?:(?:а?ха){2,}|(?:хе){2,}|(?:хи){2,}|ахах\w*|лол|ржу|ору)\W*$")

# a reply that agrees with its parent: the marker opens it, or closes it after a clause
_AGREE = (r"(?:\+{1,5}\d*|подтверждаю|присоединяюсь|поддерживаю|поддержу|согласен|согласна|"
          r"так\s+и\s+есть|то\s+же\s+самое|аналогично|и\s+у\s+нас\s+(?:так\s+же|также|тоже)|"
          r"у\s+нас\s+(?:так\s+же|также|то\s+же\s+самое)|тоже\s+(?:хотим|хочу|хотела?)\s+знать|"
          r"тоже\s+интересует|меня\s+тоже\s+интересует|живу\s+(?:там\s+же|рядом|напротив)|"
          r"в\s+этом\s+же\s+доме|тот\s+же\s+вопрос|такой\s+же\s+вопрос|подписываюсь|👍+)")
_OWN_PLACE = re.compile(r"\b(?:а\s+)?у\s+нас\s+(?:на|в|во)\b")
_SUPPORT_OPEN = re.compile(rf"^\W*{_AGREE}(?:\W|$)")
_SUPPORT_ANY = re.compile(rf"(?:^|[\s,.!;:]){_AGREE}(?=[\s,.!;:)]|$)")

# the stream itself, however long the comment
_STREAM = re.compile(
    r"\bзвук\w*|\bтрансляц\w*|\bчёрный\s+экран|\bчерный\s+экран|\bзаставк\w*|\bобновите\s+страниц|"
    r"\bэфир\w*\s+(?:будет|начн\w*|выложите)|\b(?:во\s+сколько|когда)\s+(?:будет\s+)?эфир|"
    r"\bждём\s+эфир|\bждем\s+эфир|\bпрям(?:ой|ая)\s+(?:эфир|линия)\s+или\s+запись|\bзапись\s+(?:эфира|будет)|"
    r"\bкогда\s+(?:уже\s+)?начн(?:ётся|ется|ёте|ете|ут)\b|\bссылк\w*\s+на\s+трансляц|\bмикрофон\w*|"
    r"\bплохо\s+слышно|\bгде\s+(?:можно\s+)?(?:посмотреть|смотреть|пересмотреть)\s+(?:запис|эфир|трансляц)|"
    r"\bэфир\w*\s+(?:закончил|окончен|прерв|оборвал)\w*|\bвидео\s+(?:пропал|завис|не\s+(?:идёт|идет|грузит))\w*",
)
# words that are about the stream only in a short line ("ничего не видно" is also a dark street)
_STREAM_SHORT = re.compile(
    r"\bничего\s+не\s+(?:слышно|видно)|\bне\s+слышно\b|\bзавис\w*|\bтормозит\b|\bпрерыва\w*|"
    r"\bсвязь\s+прерв\w*|\bповторите\b|\bу\s+меня\s+(?:норм|нормально|всё\s+ок|все\s+ок|пошло|идёт|идет)|"
    r"\bкартинк\w*|\bгромче\b|\bне\s+груз\w*|\bлага\w*|\bплохо\s+видно",
)
SHORT = 70
COURTESY_ONLY_MAX = 160  # a longer comment is never courtesy alone
_THANKS_FOR_ANSWER = re.compile(r"\bспасибо\s+(?:вам\s+)?за\s+(?:ответ|эфир|прям\w+\s+лини\w+|трансляц)")
# thanks or praise that opens the comment, with no question and no "but"
_THANKS = re.compile(r"^(?:[А-ЯЁ][а-яё]+(?:\s+[А-ЯЁ][а-яё]+)?,\s*)?(?:большое\s+)?(?:спасибо|благодар\w+)",
                     re.IGNORECASE)
_BUT = re.compile(r"\b(?:но|однако|только|а\s+когда|а\s+вот)\b")
_COURTESY = re.compile(
    r"здра(?:в)?ствуй(?:те)?|добр(?:ый|ое|ого)\s+(?:день|вечер|утро|дня|вечера)|привет\w*|до\s+свидания|"
    r"всего\s+доброго|спасибо\w*|благодар\w*|здоровья\s+вам|молод(?:ец|цы)|"
    r"с\s+(?:наступающим|новым\s+годом|праздник\w*|днём|днем)\b[^?]*|поздравля\w*|"
    r"вы\s+красив\w*[^?]*|хорош(?:ая|ий)\s+(?:прям\w+\s+)?(?:лини\w+|эфир)|побольше\s+бы\s+таких|"
    r"правильн(?:о|ые)(?:\s+(?:говорит|говорите|слова))?|так\s+им\s+и\s+надо|всем|всех|вам|очень|"
    r"смотр\w+|ждём|ждем|эфир\w*|за\s+(?:эфир|линию|ответ\w*)|что\s+отвечаете\s+сами",
)
# names and "из Сосновки" in a greeting: capitalised words, so case-sensitive
_ADDRESSED = re.compile(r"\bиз\s+[А-ЯЁ]\w+|[А-ЯЁ][а-яё]+\s+[А-ЯЁ][а-яё]+(?:вич|вна)\b|^[А-ЯЁ][а-яё]+,")
_REMARK = re.compile(
    r"\bничего\s+не\s+сделают|\bодни\s+обещания|\bничего\s+конкретного|\bопять\s+вода\b|\bне\s+верю\b|"
    r"\bкак\s+всегда\s+до\s+выборов|\bнадеюсь,?\s+ответите|\bхорошо\s+бы\s+ответили|\bкто\s+подскажет|"
    r"\bкто[- ]нибудь\s+знает|\bкто\s+знает|\bкто\s+из\s+\w+\s+смотрит|\bкто\s+смотрит|\bхватит\s+спамить|"
    r"\bэто\s+развод\b|\bвопросы\s+сюда|\bсюда\s+(?:писать|вопросы)|\bили\s+в\s+личку|\bкуда\s+писать\s+вопрос|"
    r"\bправильно\s+говорит|\bопять\s+про\s+\w+|\bуже\s+не\s+верю|\bа\s+не\s+ответ\b|"
    r"\bответьте\s+(?:уже\s+)?на\s+мой\s+вопрос|\bмой\s+вопрос\s+(?:прочита|зачита|пропуст|проигнор|ответ)\w*|"
    r"\bпочему\s+(?:игнорир|не\s+отвеча|не\s+чита|пропуска)\w*|\bудаля\w+\s+(?:комментари|вопрос)\w*|"
    r"\bцензур\w*|\bнеудобн\w+\s+вопрос\w*|\bвопросы\s+(?:подобран\w*|заранее)|\bкто\s+ещё\s+смотрит|"
    r"\bв\s+прошлый\s+раз\s+тоже\s+обещал\w*|\bсколько\s+можно\s+обещать",
)
# a short line that only sums the broadcast up or waits ("всё понятно", "ждём ответа", "показуха"); in a longer
# comment these words may sit beside a real complaint
_REMARK_SHORT = re.compile(
    r"^\W*(?:ну\s+|всё\s+|все\s+|ок,?\s+)?(?:понятно|ясно)\W*$|\bжд(?:у|ём|ем)\s+ответ\w*|\bпоказух\w*|"
    r"\bпиар\w*|\bцирк\b|\bклоун\w*|\bбалабол\w*|\bотписк\w*|\bболтовн\w*|\bпустые\s+слова",
)


@dataclass(frozen=True)
class Parent:
    """What the kind of a reply depends on: its parent's kind and where the parent's problem is."""

    kind: Kind
    street: str | None = None
    settlement: str | None = None
    topic: str | None = None  # known for a question: an addition is about the same matter
    filtered: bool = False  # hidden by a filter: nothing joins it


def is_support(text: str, parent: Parent | None, street: str | None = None,
               settlement: str | None = None) -> bool:
    """A reply under a question that only agrees with it (rule 1), at no other street or settlement."""
    if parent is None or parent.kind != "question":
        return False
    stripped = text.strip()
    if not _LETTERS.search(stripped):
        return bool(stripped)  # "👍", "+", "!!!" under a question
    low = stripped.lower()
    if not (_SUPPORT_OPEN.search(low) or (len(low) < 120 and _SUPPORT_ANY.search(low))):
        return False
    if street and street != parent.street:
        return False  # "и у нас так же, на Луговой…": a question of its own
    if street and _OWN_PLACE.search(low):
        return False  # "у нас на Первомайской 14 то же самое": the same problem at the writer's own address
    return not (settlement and parent.settlement and settlement != parent.settlement and not street)


def is_chatter(text: str, topic: str, parent: Parent | None = None) -> bool:
    """Rules 2-5: stream talk, courtesy only, reactions, remarks; never a comment that asks about a problem."""
    if parent is not None and parent.kind == "chatter":
        return True
    stripped = text.strip()
    low = stripped.lower()
    if not _LETTERS.search(low) or _LAUGH.match(low):
        return True
    if _STREAM.search(low) or (len(low) <= SHORT and _STREAM_SHORT.search(low)):
        return True
    if "?" in low and topic != "other":
        return False  # asks about a problem: the common case, and nothing below may hide it
    thanks = _THANKS.match(stripped) or _THANKS_FOR_ANSWER.search(low)
    if thanks and not _BUT.search(low):
        return True
    if len(low) <= COURTESY_ONLY_MAX:
        rest = _COURTESY.sub(" ", _ADDRESSED.sub(" ", stripped).lower())
        if not re.search(r"[а-яёa-z]{3,}", rest) and "?" not in rest:
            return True
    return bool(_REMARK.search(low) or (len(low) <= SHORT and _REMARK_SHORT.search(low)))


# a reply that turns to a matter of its own: "а …", "кстати …", "и ещё вопрос", "у нас так же"
_OWN_MATTER = re.compile(r"^\W*(?:а\b|кстати\b|и\s+ещ[её]\s+вопрос|ещ[её]\s+вопрос|вопрос\b|у\s+нас\b|и\s+у\s+нас\b|"
                         r"а\s+у\s+нас\b|мы\s+тоже\b|у\s+меня\s+тоже\b)|\bу\s+нас\s+так\s+же|\bу\s+нас\s+тоже")
# words that tie a reply to its parent's matter ("там ещё…", "особенно по утрам", "там же затопило"): such a reply
# adds to the parent even when its words belong to another topic (a pole by the unlit street)
_ANAPHORA = re.compile(r"^\W*(?:там|особенно|ещ[её]|причём|причем|при\s+этом|к\s+тому\s+же|тем\s+более|плюс|"
                       r"кроме\s+того|вдобавок|так\s+ещ[её]|да\s+и)\b|\bтам\s+же\b|\bв\s+том\s+же\b|\bу\s+них\s+же\b")
ADDITION_MAX = 200  # a longer reply says enough to stand on its own


def is_addition(text: str, topic: str, parent: Parent | None, street: str | None = None,
                settlement: str | None = None) -> bool:
    """A reply under a question that only adds to it ("там ещё у 20 дома столб покосился", "особенно по
    утрам", "уже третью неделю"): its parent's card is offered first for one-click joining (it is never joined
    unasked: ``pipeline.suggest_parent``). Precision first: a
    reply that asks ("?"), turns to its own matter ("а …", "кстати …", "у нас …"), names another street or
    settlement, is about another topic, or is long enough to stand alone is a question of its own."""
    if parent is None or parent.kind != "question" or parent.filtered:
        return False
    low = text.strip().lower()
    if not low or "?" in low or len(low) > ADDITION_MAX or _OWN_MATTER.search(low) or _OWN_PLACE.search(low):
        return False
    if street and street != parent.street:
        return False
    if settlement and settlement != parent.settlement:
        return False
    return topic in ("other", parent.topic) or parent.topic is None or bool(_ANAPHORA.search(low))


def kind_of(text: str, topic: str, parent: Parent | None = None, street: str | None = None,
            settlement: str | None = None, spam: bool = False) -> Kind:
    """The kind of one comment (``parent`` for a reply whose parent is known)."""
    if spam:
        return "chatter"
    if is_support(text, parent, street, settlement):
        return "support"
    if is_chatter(text, topic, parent):
        return "chatter"
    return "question"
