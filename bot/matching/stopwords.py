"""Words that carry no meaning for matching, in English, Spanish and Persian.

They are removed before scoring so that "what", "the", "qué" or "چه" can never make two
texts look alike. Question words are here too: "how many" and "when" tell us the
shape of the answer, not its subject, and the knowledge base is searched by subject.
Words are stored accent-free and lowercase, as :func:`bot.matching.analysis.fold` leaves them;
the Persian ones are written naturally below and folded the same way here ("آیا" is kept
as "ایا", "می‌شود" as the two words "می" and "شود", which is how the tokenizer sees them).
"""

import unicodedata

from bot.matching.persian import FOLDING


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _persian_words(text: str) -> frozenset[str]:
    """Persian words folded as :func:`bot.matching.analysis.tokenize` folds them: NFKD,
    combining marks (hamza, madda, short vowels) removed, :data:`FOLDING` applied, and
    split at the zero-width non-joiner."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return frozenset(bare.translate(FOLDING).replace("\u200c", " ").split())


ENGLISH = _words(
    """
    a about above after again against all also am an and any are aren as at be because been
    before being below between both but by can cannot could couldn did didn do does doesn doing
    don down during each either else ever every few for from further get gets got had hadn has
    hasn have haven having he her here hers herself him himself his how however i if in into is
    isn it its itself just let lets like ll me might more most much must my myself no nor not now
    of off on once only or other others our ours ourselves out over own please re really s same
    say says said shall she should shouldn so some such t than that thats the their theirs them
    themselves then there these they this those through to too under until up upon us very was
    wasn we were weren what whats when where whether which while who whom whose why will with
    won would wouldn you your yours yourself yourselves ve d m y
    tell explain know anything something thing things kind way ways happen happened happening
    does did do done anyone someone somebody one ones give show describe info information
    details detail question answer bot hey hi hello thanks thank ok okay pls plz u ur r
    many
    put puts putting went go goes going gone took take takes taking taken keep keeps kept
    keeping make makes made making able besides else kind kinds sort type lot lots stuff
    actually basically currently still even yet already come came comes use used want
    wants need needs mean means think seem seems look looks looking called call whats
    hows whos wheres whys im ive youre theyre isnt arent wasnt didnt doesnt dont cant
    guy guys someone anybody everything time times
    """
)

SPANISH = _words(
    """
    a al algo algun alguna algunas alguno algunos ante antes aqui asi aun cada como con contra
    cual cuales cuando cuanto cuanta cuantos cuantas de del desde donde dos durante e el ella
    ellas ellos en entre era eran es esa esas ese eso esos esta estaba estado estan estar este
    esto estos fue fueron ha haber habia han hasta hay la las le les lo los mas me mi mis mucho
    muy nada ni no nos o os otra otras otro otros para pero poco por porque que quien quienes se
    sea ser si sido sin sobre son su sus tambien tan tanto te tenia tiene tienen todo todos tu
    tus un una unas uno unos y ya yo dime explica explicame sabes saber cosa cosas hola gracias
    paso pasa pasaron hizo hicieron hace hacen
    tipo clase ambos ambas puede pueden podria podrian seria serian esto estas estos
    hacer hecho tener usted ustedes quiero saber tiempo hora horas
    """
)

PERSIAN = _persian_words(
    # pronouns and determiners
    """
    من تو او وی ما شما آنها ایشان آنان اون اونا اینا اینها شون شان ام اش خود خودش خودشان
    خودشون همدیگر همدیگه یکدیگر این آن همین همان همون چنین چنان
    """
    # prepositions and conjunctions
    """
    از به با در بر برای برا واسه تا بی بدون جز غیر مثل مانند روی رو زیر بین میان درباره
    مورد درمورد راجع راجب علیه طی توسط پیش پس بعد قبل و یا اما ولی که اگر اگه چون چونکه
    زیرا هم نیز همچنین سپس وقتی حتی بلکه اینکه یعنی مثلا را
    """
    # question words
    """
    چه چی چیه چیست چیا کیست چرا چطور چطوری چگونه کجا کجاست کی کیه کدام کدوم چند چقدر
    آیا مگه مگر
    """
    # be, become, do, have, give, can, will, want, know: the verbs English and Spanish
    # also drop, in the forms a question uses, joined ("میکند") as well as apart
    """
    است هست هستش هستند هستن نیست نیستند بود بودند بوده بودن باشد باشند باشه شد شده شدند
    شدن شود شوند شه میشه میشود میشوند نمیشود کرد کرده کردند کردن کند کنند کنه کنن
    میکنه میکنن میکند میکنند داد داده دادند دهد دهند دارد دارند داره دارن داشت داشته
    داشتند خواهد خواهند خواهم میخواهم میخوام خوام باید نباید تواند توانند میتواند
    میتوانند تونه میتونه دانم بدانم دونم بدونم میدانم میدونم میدانید میدونید میدونی
    """
    # what is left of a word split at the zero-width non-joiner ("فرآورده‌های")
    """
    می نمی ها های هایی ای اند ایم اید تر ترین
    """
    # quantities, adverbs, conversation
    """
    یک یه یکی هر هیچ همه دیگر دیگه دیگری خیلی بسیار فقط تنها الان حالا اکنون هنوز همچنان
    بله آره نه چیز چیزی کسی طور طوری واقعا اصلا لطفا لطفاً سلام مرسی ممنون بگو بگید
    بگویید توضیح بده بدهید اطلاعات
    """
    # time, as "time", "tiempo" and "hora" (no subject of the knowledge base)
    """
    زمان وقت ساعت
    """
)
"""The first 194 from a curator's list (pronouns, particles, question words, common
verbs), the rest added with the same rule: words that say how a question is asked, not
what it is about."""

STOPWORDS = ENGLISH | SPANISH | PERSIAN
