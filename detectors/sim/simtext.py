"""Text banks for the simulator: short social posts by language and sentiment.

``{b}`` is the brand's display name, ``{p}`` a product or service word. The
simulator adds variation (products, tails, hashtags, emoji) so texts rarely
repeat.
"""

from __future__ import annotations

PRODUCTS = {
    "en": ["order", "app", "delivery", "flight", "coffee", "update", "store", "support team",
           "new phone", "subscription", "checkout", "website", "parcel", "burger", "card"],
    "fi": ["tilaus", "sovellus", "toimitus", "lento", "kahvi", "päivitys", "kauppa", "asiakaspalvelu",
           "puhelin", "tilaus", "verkkosivu", "paketti"],
    "sv": ["beställning", "appen", "leveransen", "flyget", "kaffet", "uppdateringen", "butiken",
           "kundtjänsten", "telefonen", "prenumerationen", "hemsidan", "paketet"],
    "fr": ["commande", "appli", "livraison", "vol", "café", "mise à jour", "boutique",
           "service client", "téléphone", "abonnement", "site", "colis"],
    "nl": ["bestelling", "app", "bezorging", "vlucht", "koffie", "update", "winkel",
           "klantenservice", "telefoon", "abonnement", "website", "pakket"],
    "de": ["Bestellung", "App", "Lieferung", "Flug", "Kaffee", "Update", "Filiale",
           "Kundenservice", "Handy", "Abo", "Webseite", "Paket"],
    "es": ["pedido", "app", "entrega", "vuelo", "café", "actualización", "tienda",
           "atención al cliente", "móvil", "suscripción", "web", "paquete"],
    "lv": ["pasūtījums", "lietotne", "piegāde", "lidojums", "kafija", "atjauninājums", "veikals",
           "klientu serviss", "telefons", "abonements", "mājaslapa", "paka"],
}

TEXTS: dict[str, dict[str, list[str]]] = {
    "en": {
        "neg": [
            "{b} this is the worst {p} experience ever, absolutely terrible",
            "Really angry at {b}, my {p} is broken again and nobody helps",
            "{b} you should be ashamed, awful {p} and rude staff",
            "Never buying from {b} again. Horrible {p}, total scam",
            "Disgusting. {b} {p} made me sick, this is unacceptable",
            "{b} what a disaster, the {p} failed and I lost my money",
            "So disappointed with {b}, the {p} is useless and support ignores me",
            "Boycott {b}. Terrible {p}, dangerous and they lie about it",
            "{b} your {p} is a joke, worst company, I hate this",
            "Furious with {b}. {p} ruined my day, pathetic service",
        ],
        "neu": [
            "Anyone know what time the {b} {p} opens tomorrow?",
            "Just saw the {b} {p} announcement on the news",
            "{b} is changing the {p} next month according to the email",
            "Ordered a {p} from {b}, arrives on Tuesday",
            "Is the {b} {p} available in other colours?",
            "{b} posted the new {p} schedule today",
            "Reading about the {b} {p} in the paper this morning",
            "Does {b} ship the {p} to Canada?",
            "Switching my {p} to {b} this week",
            "The {b} {p} event is on Saturday at noon",
        ],
        "pos": [
            "Love the new {b} {p}, great job!",
            "{b} thank you, the {p} is amazing and the staff were so helpful",
            "Best {p} ever, well done {b}",
            "{b} your {p} made my day, fantastic",
            "Really happy with my {b} {p}, excellent quality",
            "Wow {b}, the {p} is awesome, highly recommend",
            "Big thanks to {b}, brilliant {p} and super friendly support",
            "{b} nailed it, beautiful {p}, I love it",
            "So impressed with {b}, the {p} works perfectly",
            "Great {p} from {b} as always, enjoy!",
        ],
    },
    "fi": {
        "neg": [
            "{b} on aivan surkea, {p} ei toimi ja kukaan ei vastaa",
            "Todella huono {p}, {b} pettää taas. Olen vihainen",
            "{b} kamala palvelu, {p} myöhässä ja rahat menivät",
            "En ikinä enää osta {b}:ltä, {p} on täysin rikki",
            "{b} häpeällistä toimintaa, {p} on vaarallinen",
            "Olen todella pettynyt {b}, huono {p} ja töykeä asiakaspalvelu",
        ],
        "neu": [
            "Milloin {b} {p} aukeaa huomenna?",
            "Luin uutisista {b} uudesta {p}",
            "{b} muuttaa {p} ensi kuussa",
            "Tilasin {b} {p}, saapuu tiistaina",
            "Onko {b} {p} saatavilla muissa väreissä?",
            "{b} julkaisi tänään uuden {p} aikataulun",
        ],
        "pos": [
            "Rakastan uutta {b} {p}, hienoa työtä!",
            "Kiitos {b}, {p} on upea ja henkilökunta todella ystävällinen",
            "Paras {p} ikinä, kiitos {b}",
            "{b} {p} on loistava, suosittelen",
            "Todella tyytyväinen {b} {p}, erinomainen laatu",
            "Ihana {p}, {b} onnistui taas",
        ],
    },
    "sv": {
        "neg": [
            "{b} är helt värdelösa, {p} fungerar inte och ingen svarar",
            "Riktigt dålig {p}, {b} sviker igen. Jag är arg",
            "{b} fruktansvärd service, {p} försenad och pengarna borta",
            "Handlar aldrig mer hos {b}, {p} är helt trasig",
            "{b} skamligt, {p} är farlig och de ljuger",
            "Så besviken på {b}, usel {p} och otrevlig kundtjänst",
        ],
        "neu": [
            "När öppnar {b} {p} imorgon?",
            "Läste om {b} och {p} i tidningen",
            "{b} ändrar {p} nästa månad",
            "Beställde {p} från {b}, kommer på tisdag",
            "Finns {b} {p} i andra färger?",
            "{b} publicerade schemat för {p} idag",
        ],
        "pos": [
            "Älskar nya {p} från {b}, bra jobbat!",
            "Tack {b}, {p} är fantastisk och personalen så trevlig",
            "Bästa {p} någonsin, tack {b}",
            "{b} {p} är underbar, rekommenderas",
            "Riktigt nöjd med {b} {p}, utmärkt kvalitet",
            "Härlig {p}, {b} lyckades igen",
        ],
    },
    "fr": {
        "neg": [
            "{b} c'est vraiment nul, {p} ne marche pas et personne ne répond",
            "Très mauvaise {p}, {b} me déçoit encore. Je suis furieux",
            "{b} service horrible, {p} en retard et remboursement refusé",
            "Plus jamais {b}, {p} complètement cassé, une honte",
            "{b} scandaleux, {p} dangereux et ils mentent",
            "Tellement déçu par {b}, {p} lamentable et service client odieux",
        ],
        "neu": [
            "À quelle heure ouvre {b} {p} demain ?",
            "Vu l'annonce de {b} sur {p} aux infos",
            "{b} change {p} le mois prochain",
            "Commandé {p} chez {b}, arrive mardi",
            "Est-ce que {b} {p} existe en d'autres couleurs ?",
            "{b} a publié le programme {p} aujourd'hui",
        ],
        "pos": [
            "J'adore la nouvelle {p} de {b}, bravo !",
            "Merci {b}, {p} est génial et le personnel super sympa",
            "Meilleur {p} de tous les temps, merci {b}",
            "{b} {p} excellent, je recommande",
            "Très content de {b} {p}, qualité parfaite",
            "Magnifique {p}, {b} a encore réussi",
        ],
    },
    "nl": {
        "neg": [
            "{b} is echt waardeloos, {p} werkt niet en niemand reageert",
            "Heel slechte {p}, {b} stelt weer teleur. Ik ben boos",
            "{b} vreselijke service, {p} te laat en geld kwijt",
            "Nooit meer {b}, {p} is helemaal kapot, schandalig",
            "{b} schande, {p} is gevaarlijk en ze liegen",
            "Zo teleurgesteld in {b}, belabberde {p} en onbeschofte klantenservice",
        ],
        "neu": [
            "Hoe laat gaat {b} {p} morgen open?",
            "Las over {b} en {p} in de krant",
            "{b} verandert {p} volgende maand",
            "{p} besteld bij {b}, komt dinsdag",
            "Is {b} {p} ook in andere kleuren?",
            "{b} heeft vandaag het schema voor {p} gepubliceerd",
        ],
        "pos": [
            "Ik hou van de nieuwe {p} van {b}, goed gedaan!",
            "Bedankt {b}, {p} is geweldig en het personeel super vriendelijk",
            "Beste {p} ooit, dank je {b}",
            "{b} {p} is fantastisch, aanrader",
            "Heel blij met {b} {p}, uitstekende kwaliteit",
            "Prachtige {p}, {b} heeft het weer geflikt",
        ],
    },
    "de": {
        "neg": [
            "{b} ist echt furchtbar, {p} funktioniert nicht und keiner antwortet",
            "Ganz schlechte {p}, {b} enttäuscht schon wieder. Ich bin wütend",
            "{b} schrecklicher Service, {p} verspätet und Geld weg",
            "Nie wieder {b}, {p} komplett kaputt, eine Frechheit",
            "{b} skandalös, {p} ist gefährlich und sie lügen",
            "So enttäuscht von {b}, miserable {p} und unfreundlicher Kundenservice",
        ],
        "neu": [
            "Wann öffnet {b} {p} morgen?",
            "Habe in den Nachrichten von {b} und {p} gelesen",
            "{b} ändert {p} nächsten Monat",
            "{p} bei {b} bestellt, kommt am Dienstag",
            "Gibt es {b} {p} auch in anderen Farben?",
            "{b} hat heute den Plan für {p} veröffentlicht",
        ],
        "pos": [
            "Ich liebe die neue {p} von {b}, toll gemacht!",
            "Danke {b}, {p} ist großartig und das Personal super freundlich",
            "Beste {p} aller Zeiten, danke {b}",
            "{b} {p} ist fantastisch, sehr empfehlenswert",
            "Sehr zufrieden mit {b} {p}, ausgezeichnete Qualität",
            "Wunderbare {p}, {b} hat es wieder geschafft",
        ],
    },
    "es": {
        "neg": [
            "{b} es un desastre, {p} no funciona y nadie responde",
            "Pésimo {p}, {b} decepciona otra vez. Estoy furioso",
            "{b} servicio horrible, {p} con retraso y sin reembolso",
            "Nunca más compro en {b}, {p} totalmente roto, una vergüenza",
            "{b} escandaloso, {p} es peligroso y mienten",
            "Muy decepcionado con {b}, {p} malísimo y atención al cliente grosera",
        ],
        "neu": [
            "¿A qué hora abre {b} {p} mañana?",
            "Leí sobre {b} y {p} en el periódico",
            "{b} cambia {p} el mes que viene",
            "Pedí {p} a {b}, llega el martes",
            "¿Hay {b} {p} en otros colores?",
            "{b} publicó hoy el horario de {p}",
        ],
        "pos": [
            "Me encanta el nuevo {p} de {b}, ¡buen trabajo!",
            "Gracias {b}, {p} es genial y el personal muy amable",
            "El mejor {p} de la historia, gracias {b}",
            "{b} {p} es fantástico, lo recomiendo",
            "Muy contento con {b} {p}, calidad excelente",
            "Precioso {p}, {b} lo ha vuelto a conseguir",
        ],
    },
    "lv": {
        "neg": [
            "{b} ir briesmīgi, {p} nestrādā un neviens neatbild",
            "Ļoti slikts {p}, {b} atkal pieviļ. Esmu dusmīgs",
            "{b} šausmīgs serviss, {p} kavējas un nauda pazudusi",
            "Nekad vairs {b}, {p} pilnīgi salūzis, kauns",
            "{b} skandāls, {p} ir bīstams un viņi melo",
            "Tik vīlies {b}, nožēlojams {p} un rupjš klientu serviss",
        ],
        "neu": [
            "Cikos {b} {p} rīt atver?",
            "Lasīju ziņās par {b} un {p}",
            "{b} maina {p} nākamajā mēnesī",
            "Pasūtīju {p} no {b}, pienāks otrdien",
            "Vai {b} {p} ir citās krāsās?",
            "{b} šodien publicēja {p} grafiku",
        ],
        "pos": [
            "Man patīk jaunais {b} {p}, lielisks darbs!",
            "Paldies {b}, {p} ir brīnišķīgs un personāls ļoti laipns",
            "Labākais {p} jebkad, paldies {b}",
            "{b} {p} ir fantastisks, iesaku",
            "Ļoti apmierināts ar {b} {p}, izcila kvalitāte",
            "Skaists {p}, {b} atkal izdevās",
        ],
    },
}

TAILS = ["", "", "", " today", " again", " this week", " #fail", " #customerservice", " smh",
         " 🙄", " 😡", " 😍", " 👍", " !!", " ...", " lol"]
NEG_TAILS = ["", "", " 😡", " #fail", " 👎", " !!", " smh"]
POS_TAILS = ["", "", " 😍", " 👍", " ❤️", " !!", " #happy"]
NEU_TAILS = ["", "", " ?", " #news", " fyi", " 🤔"]
