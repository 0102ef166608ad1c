"""Function words left out of BM25, per language.

Short on purpose: general stop lists drop numbers and content words ("two", "million", "buy") that
questions about news turn on. These are the articles, pronouns, auxiliaries and question words.
"""

from __future__ import annotations

STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset("""a an the and or but if of to in on at by for with from as into about than then
        is are was were be been being am do does did done has have had having will would shall should can could
        may might must it its it's this that these those there here which what who whom whose when where why
        how i me my we our you your he him his she her they them their not no so such also very just
        s t don't doesn't didn't isn't aren't wasn't weren't""".split()),
    "id": frozenset("""yang dan di ke dari untuk dengan pada dalam ini itu adalah ialah akan telah sudah
        sedang oleh sebagai atau juga tidak bukan ada apa siapa mana kapan mengapa kenapa bagaimana berapa
        saya aku kami kita kamu anda dia ia mereka nya pun lah kah tersebut para sebuah suatu se bahwa
        karena jika namun tetapi tapi agar supaya""".split()),
    "es": frozenset("""el la los las un una unos unas y o pero si de del a al en con por para sin sobre
        como que qué quien quién quienes cual cuál cuales cuáles cuando cuándo donde dónde cuanto cuánto
        cuántos cuántas por qué es son fue fueron ser estar está están ha han había sido se su sus lo le les
        me mi mis nos tu tus él ella ellos ellas este esta estos estas ese esa eso no sí ya muy también""".split()),
    "pt": frozenset("""o a os as um uma uns umas e ou mas se de do da dos das em no na nos nas ao aos à às
        com por para pelo pela sem sobre como que quê quem qual quais quando onde quanto quantos quantas
        porque é são foi foram ser estar está estão há tem têm tinha sido seu sua seus suas lhe lhes me
        meu minha nós eles elas ele ela este esta isto esse essa isso não sim já muito também""".split()),
    "fr": frozenset("""le la les un une des et ou mais si de du au aux en dans avec par pour sans sur
        que qui quoi quel quelle quels quelles quand où comment combien pourquoi est sont était été être
        a ont il elle ils elles ce cet cette ces ne pas se son sa ses leur leurs""".split()),
    "de": frozenset("""der die das den dem des ein eine einer eines einem einen und oder aber wenn von
        zu in im an am auf mit für aus als wie was wer wem wen wessen wann wo warum welche welcher welches
        ist sind war waren sein hat haben hatte wird werden er sie es nicht kein keine auch sich""".split()),
    "it": frozenset("""il lo la i gli le un uno una e o ma se di del della dei delle a al alla in nel
        nella con per su da come che chi cosa quale quali quando dove quanto perché è sono era stato essere
        ha hanno non si suo sua suoi anche""".split()),
    "nl": frozenset("""de het een en of maar als van te in op aan met voor uit over wat wie welke wanneer
        waar waarom hoe is zijn was waren heeft hebben wordt worden hij zij het niet geen ook zich""".split()),
}


def stopwords_for(language: str) -> frozenset[str]:
    return STOPWORDS.get(language, frozenset())
