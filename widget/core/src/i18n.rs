//! The widget's own strings (buttons, labels, error messages) in several languages.
//!
//! Tenant texts (greeting, placeholder, consent) come from the config; these tables cover only
//! what the widget itself says. Tables are `'static` so choosing a language costs nothing.
//!
//! Only English is compiled into the widget's wasm: the other tables are written to
//! `widget/i18n/<lang>.json` (a test keeps them in step) and fetched when a page needs them —
//! about 2.4 KB gzip the budget does not spend on languages a shopper never sees.

use crate::Failure;

/// Every string the widget itself shows or announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Strings {
    /// Primary language subtag this table is for (`en`, `es`, …).
    pub lang: &'static str,
    /// Launcher label while the panel is closed.
    pub open_chat: &'static str,
    /// Close button label.
    pub close: &'static str,
    /// Send button label.
    pub send: &'static str,
    /// Stop button label (stops the streaming answer).
    pub stop: &'static str,
    /// Retry button label.
    pub retry: &'static str,
    /// Accessible label of the composer.
    pub input_label: &'static str,
    /// Accessible label of the message list.
    pub messages_label: &'static str,
    /// Accessible label of the suggestion chips.
    pub suggestions_label: &'static str,
    /// Announced while the assistant is preparing an answer.
    pub typing: &'static str,
    /// Shown while the assistant looks something up (a tool runs).
    pub looking_up: &'static str,
    /// Visually hidden prefix of the shopper's messages.
    pub you: &'static str,
    /// Visually hidden prefix of the assistant's messages.
    pub assistant: &'static str,
    /// Note under an answer the shopper stopped.
    pub stopped: &'static str,
    /// Note under an answer that broke part way.
    pub interrupted: &'static str,
    /// Button accepting the consent notice.
    pub consent_accept: &'static str,
    /// Button declining the consent notice.
    pub consent_decline: &'static str,
    /// The consent notice when the tenant wrote none.
    pub consent_default: &'static str,
    /// Shown after declining.
    pub consent_declined: &'static str,
    /// The browser is offline.
    pub offline: &'static str,
    /// The rate-limit wait is over.
    pub ready: &'static str,
    /// Thumbs-up label.
    pub helpful: &'static str,
    /// Thumbs-down label.
    pub not_helpful: &'static str,
    /// Launcher label with unread answers; `{s}` is their number.
    pub open_chat_unread: &'static str,
    /// No answer reached us.
    pub error_network: &'static str,
    /// Rate limited, no wait known.
    pub error_rate_limited: &'static str,
    /// Rate limited; `{s}` is replaced by the seconds to wait.
    pub error_rate_limited_wait: &'static str,
    /// The AI runtime or storage failed.
    pub error_unavailable: &'static str,
    /// The page's origin is not allowed.
    pub error_not_allowed: &'static str,
    /// Consent is required before chatting.
    pub error_consent: &'static str,
    /// The message was refused as too long or invalid.
    pub error_invalid: &'static str,
    /// Anything else.
    pub error_generic: &'static str,
    /// Accessible label of a product carousel.
    pub products_label: &'static str,
    /// Carousel button: previous product.
    pub previous: &'static str,
    /// Carousel button: next product.
    pub next: &'static str,
    /// A product card's availability: in stock.
    pub in_stock: &'static str,
    /// A product card's availability: out of stock.
    pub out_of_stock: &'static str,
    /// A product card's link to the product page.
    pub view: &'static str,
    /// A product card's Add to cart button.
    pub add_to_cart: &'static str,
    /// Shown while the shop's cart is being updated.
    pub adding: &'static str,
    /// Shown when the shop's cart took the product.
    pub added: &'static str,
    /// Shown when the shop's cart refused the product.
    pub cart_failed: &'static str,
    /// Label of the row of sources under an answer.
    pub sources: &'static str,
    /// The "Talk to a person" button.
    pub talk_to_person: &'static str,
    /// Shown while a staff member is typing.
    pub person_typing: &'static str,
    /// The contact form's email field (outside business hours).
    pub email_label: &'static str,
    /// The contact form's button: the shopper agrees to be written to.
    pub email_send: &'static str,
    /// The rating form's question after a conversation closed.
    pub rate_label: &'static str,
    /// The rating form's optional comment.
    pub comment_label: &'static str,
    /// Shown after the contact or rating form was sent.
    pub thanks: &'static str,
    /// An order card's label before its number.
    pub order: &'static str,
    /// An order card's expected delivery, before the date.
    pub eta: &'static str,
    /// A parcel's tracking link.
    pub track: &'static str,
    /// Order status: nothing shipped yet.
    pub processing: &'static str,
    /// Order status: some parcels shipped.
    pub partially_shipped: &'static str,
    /// Order status: everything shipped.
    pub shipped: &'static str,
    /// Order status: delivered.
    pub delivered: &'static str,
    /// Order status: cancelled.
    pub cancelled: &'static str,
    /// Order status: refunded.
    pub refunded: &'static str,
    /// Notice `person_will_reply` (`{s}`: the minutes).
    pub notice_person_will_reply: &'static str,
    /// Notice `closed_leave_email`.
    pub notice_closed_leave_email: &'static str,
    /// Notice `person_joined`.
    pub notice_person_joined: &'static str,
    /// Notice `back_to_assistant`.
    pub notice_back_to_assistant: &'static str,
    /// Notice `closed`.
    pub notice_closed: &'static str,
}

/// English, also the fallback for languages without a table.
pub const EN: Strings = Strings {
    lang: "en",
    open_chat: "Open chat",
    close: "Close chat",
    send: "Send",
    stop: "Stop",
    retry: "Retry",
    input_label: "Message",
    messages_label: "Conversation",
    suggestions_label: "Suggested questions",
    typing: "The assistant is typing…",
    looking_up: "Searching the shop…",
    you: "You:",
    assistant: "Assistant:",
    stopped: "Stopped",
    interrupted: "The answer was interrupted.",
    consent_accept: "I agree",
    consent_decline: "No thanks",
    consent_default: "Answers come from an AI assistant and the conversation is stored to help you. Do you agree?",
    consent_declined: "Without your agreement the assistant can't answer. You can agree at any time.",
    offline: "You're offline. Your message is kept and sent when you're back.",
    ready: "You can try again now.",
    helpful: "Helpful",
    not_helpful: "Not helpful",
    open_chat_unread: "Open chat ({s} new)",
    error_network: "Couldn't reach the assistant. Your message was kept.",
    error_rate_limited: "Too many messages. Please wait a moment.",
    error_rate_limited_wait: "Too many messages. Please try again in {s} s.",
    error_unavailable: "The assistant is unavailable right now.",
    error_not_allowed: "This site can't use this assistant.",
    error_consent: "Please accept the notice before chatting.",
    error_invalid: "This message can't be sent. Is it too long?",
    error_generic: "Something went wrong.",
    products_label: "Products",
    previous: "Previous",
    next: "Next",
    in_stock: "In stock",
    out_of_stock: "Out of stock",
    view: "View",
    add_to_cart: "Add to cart",
    adding: "Adding…",
    added: "Added to cart",
    cart_failed: "Couldn't add to cart.",
    sources: "Sources",
    talk_to_person: "Talk to a person",
    person_typing: "Someone is typing…",
    email_label: "Your email",
    email_send: "Email me",
    rate_label: "How did we do?",
    comment_label: "Comment (optional)",
    thanks: "Thank you!",
    order: "Order",
    eta: "Expected",
    track: "Track",
    processing: "Processing",
    partially_shipped: "Partly shipped",
    shipped: "Shipped",
    delivered: "Delivered",
    cancelled: "Cancelled",
    refunded: "Refunded",
    notice_person_will_reply: "A person will reply — usually within {s} minutes.",
    notice_closed_leave_email: "We're closed now; leave your email and we'll reply.",
    notice_person_joined: "A person joined the conversation.",
    notice_back_to_assistant: "The assistant answers again.",
    notice_closed: "This conversation was closed. How did we do?",
};

/// Spanish.
pub const ES: Strings = Strings {
    lang: "es",
    open_chat: "Abrir chat",
    close: "Cerrar chat",
    send: "Enviar",
    stop: "Detener",
    retry: "Reintentar",
    input_label: "Mensaje",
    messages_label: "Conversación",
    suggestions_label: "Preguntas sugeridas",
    typing: "El asistente está escribiendo…",
    looking_up: "Buscando en la tienda…",
    you: "Tú:",
    assistant: "Asistente:",
    stopped: "Detenido",
    interrupted: "La respuesta se interrumpió.",
    consent_accept: "Acepto",
    consent_decline: "No, gracias",
    consent_default: "Las respuestas provienen de un asistente de IA y la conversación se guarda para ayudarte. ¿Estás de acuerdo?",
    consent_declined: "Sin tu consentimiento el asistente no puede responder. Puedes aceptar en cualquier momento.",
    offline: "Sin conexión. Tu mensaje se guarda y se enviará al volver.",
    ready: "Ya puedes volver a intentarlo.",
    helpful: "Útil",
    not_helpful: "No útil",
    open_chat_unread: "Abrir chat ({s} nuevos)",
    error_network: "No se pudo contactar con el asistente. Tu mensaje se ha guardado.",
    error_rate_limited: "Demasiados mensajes. Espera un momento.",
    error_rate_limited_wait: "Demasiados mensajes. Inténtalo de nuevo en {s} s.",
    error_unavailable: "El asistente no está disponible ahora.",
    error_not_allowed: "Este sitio no puede usar este asistente.",
    error_consent: "Acepta el aviso antes de chatear.",
    error_invalid: "Este mensaje no se puede enviar. ¿Es demasiado largo?",
    error_generic: "Algo salió mal.",
    products_label: "Productos",
    previous: "Anterior",
    next: "Siguiente",
    in_stock: "En stock",
    out_of_stock: "Agotado",
    view: "Ver",
    add_to_cart: "Añadir al carrito",
    adding: "Añadiendo…",
    added: "Añadido al carrito",
    cart_failed: "No se pudo añadir al carrito.",
    sources: "Fuentes",
    talk_to_person: "Hablar con una persona",
    person_typing: "Alguien está escribiendo…",
    email_label: "Tu correo electrónico",
    email_send: "Escríbanme",
    rate_label: "¿Qué tal lo hicimos?",
    comment_label: "Comentario (opcional)",
    thanks: "¡Gracias!",
    order: "Pedido",
    eta: "Entrega prevista",
    track: "Seguimiento",
    processing: "En preparación",
    partially_shipped: "Enviado en parte",
    shipped: "Enviado",
    delivered: "Entregado",
    cancelled: "Cancelado",
    refunded: "Reembolsado",
    notice_person_will_reply: "Una persona te responderá, normalmente en {s} minutos.",
    notice_closed_leave_email: "Ahora estamos cerrados; déjanos tu email y te responderemos.",
    notice_person_joined: "Una persona se ha unido a la conversación.",
    notice_back_to_assistant: "El asistente vuelve a responder.",
    notice_closed: "Esta conversación se ha cerrado. ¿Qué tal lo hicimos?",
};

/// Portuguese.
pub const PT: Strings = Strings {
    lang: "pt",
    open_chat: "Abrir chat",
    close: "Fechar chat",
    send: "Enviar",
    stop: "Parar",
    retry: "Tentar novamente",
    input_label: "Mensagem",
    messages_label: "Conversa",
    suggestions_label: "Perguntas sugeridas",
    typing: "O assistente está digitando…",
    looking_up: "Pesquisando na loja…",
    you: "Você:",
    assistant: "Assistente:",
    stopped: "Interrompido",
    interrupted: "A resposta foi interrompida.",
    consent_accept: "Concordo",
    consent_decline: "Não, obrigado",
    consent_default: "As respostas vêm de um assistente de IA e a conversa é guardada para ajudar você. Concorda?",
    consent_declined: "Sem o seu consentimento o assistente não pode responder. Pode concordar a qualquer momento.",
    offline: "Sem conexão. Sua mensagem foi mantida e será enviada quando voltar.",
    ready: "Já pode tentar de novo.",
    helpful: "Útil",
    not_helpful: "Não útil",
    open_chat_unread: "Abrir chat ({s} novas)",
    error_network: "Não foi possível contactar o assistente. Sua mensagem foi mantida.",
    error_rate_limited: "Muitas mensagens. Aguarde um momento.",
    error_rate_limited_wait: "Muitas mensagens. Tente novamente em {s} s.",
    error_unavailable: "O assistente não está disponível agora.",
    error_not_allowed: "Este site não pode usar este assistente.",
    error_consent: "Aceite o aviso antes de conversar.",
    error_invalid: "Esta mensagem não pode ser enviada. É longa demais?",
    error_generic: "Algo deu errado.",
    products_label: "Produtos",
    previous: "Anterior",
    next: "Seguinte",
    in_stock: "Em estoque",
    out_of_stock: "Esgotado",
    view: "Ver",
    add_to_cart: "Adicionar ao carrinho",
    adding: "Adicionando…",
    added: "Adicionado ao carrinho",
    cart_failed: "Não foi possível adicionar ao carrinho.",
    sources: "Fontes",
    talk_to_person: "Falar com uma pessoa",
    person_typing: "Alguém está digitando…",
    email_label: "Seu e-mail",
    email_send: "Escrevam-me",
    rate_label: "Como nos saímos?",
    comment_label: "Comentário (opcional)",
    thanks: "Obrigado!",
    order: "Pedido",
    eta: "Entrega prevista",
    track: "Rastrear",
    processing: "Em preparação",
    partially_shipped: "Enviado em parte",
    shipped: "Enviado",
    delivered: "Entregue",
    cancelled: "Cancelado",
    refunded: "Reembolsado",
    notice_person_will_reply: "Uma pessoa vai responder — normalmente em {s} minutos.",
    notice_closed_leave_email: "Estamos fechados agora; deixe o seu email e responderemos.",
    notice_person_joined: "Uma pessoa entrou na conversa.",
    notice_back_to_assistant: "O assistente volta a responder.",
    notice_closed: "Esta conversa foi encerrada. Como nos saímos?",
};

/// French.
pub const FR: Strings = Strings {
    lang: "fr",
    open_chat: "Ouvrir le chat",
    close: "Fermer le chat",
    send: "Envoyer",
    stop: "Arrêter",
    retry: "Réessayer",
    input_label: "Message",
    messages_label: "Conversation",
    suggestions_label: "Questions suggérées",
    typing: "L’assistant écrit…",
    looking_up: "Recherche dans la boutique…",
    you: "Vous :",
    assistant: "Assistant :",
    stopped: "Arrêté",
    interrupted: "La réponse a été interrompue.",
    consent_accept: "J’accepte",
    consent_decline: "Non merci",
    consent_default: "Les réponses viennent d’un assistant IA et la conversation est conservée pour vous aider. Êtes-vous d’accord ?",
    consent_declined: "Sans votre accord, l’assistant ne peut pas répondre. Vous pouvez accepter à tout moment.",
    offline: "Vous êtes hors ligne. Votre message est conservé et sera envoyé à votre retour.",
    ready: "Vous pouvez réessayer.",
    helpful: "Utile",
    not_helpful: "Pas utile",
    open_chat_unread: "Ouvrir le chat ({s} nouveaux)",
    error_network: "Impossible de joindre l’assistant. Votre message a été conservé.",
    error_rate_limited: "Trop de messages. Patientez un instant.",
    error_rate_limited_wait: "Trop de messages. Réessayez dans {s} s.",
    error_unavailable: "L’assistant est indisponible pour le moment.",
    error_not_allowed: "Ce site ne peut pas utiliser cet assistant.",
    error_consent: "Acceptez l’avis avant de discuter.",
    error_invalid: "Ce message ne peut pas être envoyé. Est-il trop long ?",
    error_generic: "Une erreur s’est produite.",
    products_label: "Produits",
    previous: "Précédent",
    next: "Suivant",
    in_stock: "En stock",
    out_of_stock: "Épuisé",
    view: "Voir",
    add_to_cart: "Ajouter au panier",
    adding: "Ajout…",
    added: "Ajouté au panier",
    cart_failed: "Impossible d’ajouter au panier.",
    sources: "Sources",
    talk_to_person: "Parler à une personne",
    person_typing: "Quelqu’un écrit…",
    email_label: "Votre e-mail",
    email_send: "Écrivez-moi",
    rate_label: "Comment nous sommes-nous débrouillés ?",
    comment_label: "Commentaire (facultatif)",
    thanks: "Merci !",
    order: "Commande",
    eta: "Livraison prévue",
    track: "Suivre",
    processing: "En préparation",
    partially_shipped: "Expédiée en partie",
    shipped: "Expédiée",
    delivered: "Livrée",
    cancelled: "Annulée",
    refunded: "Remboursée",
    notice_person_will_reply: "Une personne va vous répondre, généralement sous {s} minutes.",
    notice_closed_leave_email: "Nous sommes fermés ; laissez votre e-mail et nous vous répondrons.",
    notice_person_joined: "Une personne a rejoint la conversation.",
    notice_back_to_assistant: "L'assistant répond de nouveau.",
    notice_closed: "Cette conversation est terminée. Comment nous sommes-nous débrouillés ?",
};

/// German.
pub const DE: Strings = Strings {
    lang: "de",
    open_chat: "Chat öffnen",
    close: "Chat schließen",
    send: "Senden",
    stop: "Stopp",
    retry: "Erneut versuchen",
    input_label: "Nachricht",
    messages_label: "Unterhaltung",
    suggestions_label: "Vorgeschlagene Fragen",
    typing: "Der Assistent schreibt…",
    looking_up: "Suche im Shop…",
    you: "Sie:",
    assistant: "Assistent:",
    stopped: "Gestoppt",
    interrupted: "Die Antwort wurde unterbrochen.",
    consent_accept: "Einverstanden",
    consent_decline: "Nein, danke",
    consent_default: "Die Antworten kommen von einem KI-Assistenten, und das Gespräch wird gespeichert. Sind Sie einverstanden?",
    consent_declined: "Ohne Ihre Zustimmung kann der Assistent nicht antworten. Sie können jederzeit zustimmen.",
    offline: "Sie sind offline. Ihre Nachricht bleibt erhalten und wird gesendet, sobald Sie wieder online sind.",
    ready: "Sie können es jetzt erneut versuchen.",
    helpful: "Hilfreich",
    not_helpful: "Nicht hilfreich",
    open_chat_unread: "Chat öffnen ({s} neu)",
    error_network: "Der Assistent ist nicht erreichbar. Ihre Nachricht wurde behalten.",
    error_rate_limited: "Zu viele Nachrichten. Bitte warten Sie kurz.",
    error_rate_limited_wait: "Zu viele Nachrichten. Bitte in {s} s erneut versuchen.",
    error_unavailable: "Der Assistent ist gerade nicht verfügbar.",
    error_not_allowed: "Diese Website darf diesen Assistenten nicht nutzen.",
    error_consent: "Bitte stimmen Sie dem Hinweis zu, bevor Sie chatten.",
    error_invalid: "Diese Nachricht kann nicht gesendet werden. Ist sie zu lang?",
    error_generic: "Etwas ist schiefgelaufen.",
    products_label: "Produkte",
    previous: "Zurück",
    next: "Weiter",
    in_stock: "Auf Lager",
    out_of_stock: "Ausverkauft",
    view: "Ansehen",
    add_to_cart: "In den Warenkorb",
    adding: "Wird hinzugefügt…",
    added: "Zum Warenkorb hinzugefügt",
    cart_failed: "Konnte nicht in den Warenkorb gelegt werden.",
    sources: "Quellen",
    talk_to_person: "Mit einem Menschen sprechen",
    person_typing: "Jemand schreibt…",
    email_label: "Ihre E-Mail",
    email_send: "Schreiben Sie mir",
    rate_label: "Wie waren wir?",
    comment_label: "Kommentar (optional)",
    thanks: "Danke!",
    order: "Bestellung",
    eta: "Voraussichtliche Lieferung",
    track: "Verfolgen",
    processing: "In Bearbeitung",
    partially_shipped: "Teilweise versandt",
    shipped: "Versandt",
    delivered: "Zugestellt",
    cancelled: "Storniert",
    refunded: "Erstattet",
    notice_person_will_reply: "Eine Person antwortet – meist innerhalb von {s} Minuten.",
    notice_closed_leave_email: "Wir haben gerade geschlossen; hinterlassen Sie Ihre E-Mail, wir antworten.",
    notice_person_joined: "Eine Person ist dem Gespräch beigetreten.",
    notice_back_to_assistant: "Der Assistent antwortet wieder.",
    notice_closed: "Dieses Gespräch wurde beendet. Wie waren wir?",
};

/// Languages with a table, English (built in) first.
pub const LANGS: &[&str] = &["en", "es", "pt", "fr", "de"];

/// The table language for a locale: its primary subtag when there is a table, else `en`.
pub fn table_lang(locale: &str) -> &'static str {
    let lang = primary_subtag(locale);
    LANGS
        .iter()
        .copied()
        .find(|l| l.eq_ignore_ascii_case(lang))
        .unwrap_or("en")
}

/// Calls `$m!` with every string field, in the order of the JSON files.
macro_rules! with_fields {
    ($m:ident) => {
        $m!(
            open_chat,
            close,
            send,
            stop,
            retry,
            input_label,
            messages_label,
            suggestions_label,
            typing,
            looking_up,
            you,
            assistant,
            stopped,
            interrupted,
            consent_accept,
            consent_decline,
            consent_default,
            consent_declined,
            offline,
            ready,
            helpful,
            not_helpful,
            open_chat_unread,
            error_network,
            error_rate_limited,
            error_rate_limited_wait,
            error_unavailable,
            error_not_allowed,
            error_consent,
            error_invalid,
            error_generic,
            products_label,
            previous,
            next,
            in_stock,
            out_of_stock,
            view,
            add_to_cart,
            adding,
            added,
            cart_failed,
            sources,
            talk_to_person,
            person_typing,
            email_label,
            email_send,
            rate_label,
            comment_label,
            thanks,
            order,
            eta,
            track,
            processing,
            partially_shipped,
            shipped,
            delivered,
            cancelled,
            refunded,
            notice_person_will_reply,
            notice_closed_leave_email,
            notice_person_joined,
            notice_back_to_assistant,
            notice_closed
        )
    };
}

impl Strings {
    /// The strings in file order (without `lang`).
    pub fn to_list(&self) -> Vec<&'static str> {
        macro_rules! list {
            ($($f:ident),*) => { vec![$(self.$f),*] };
        }
        with_fields!(list)
    }

    /// A table from strings in file order; `None` when the count is wrong.
    pub fn from_list(lang: &'static str, list: &[&'static str]) -> Option<Strings> {
        // A slice pattern: one length check, no per-field bounds checks (wasm weight).
        macro_rules! build {
            ($($f:ident),*) => {
                match *list {
                    [$($f),*] => Some(Strings { lang, $($f),* }),
                    _ => None,
                }
            };
        }
        with_fields!(build)
    }
}

/// All tables, English first.
pub const ALL: &[&Strings] = &[&EN, &ES, &PT, &FR, &DE];

/// The table for a BCP 47 locale (`pt-BR` → Portuguese), English when there is none.
pub fn strings_for(locale: &str) -> &'static Strings {
    let lang = primary_subtag(locale);
    ALL.iter()
        .copied()
        .find(|s| s.lang.eq_ignore_ascii_case(lang))
        .unwrap_or(&EN)
}

/// Whether the locale's script runs right to left (Arabic, Hebrew, Persian, Urdu…).
pub fn is_rtl(locale: &str) -> bool {
    let lang = primary_subtag(locale);
    ["ar", "he", "fa", "ur", "ps", "sd", "yi", "dv", "ckb"]
        .iter()
        .any(|l| l.eq_ignore_ascii_case(lang))
}

/// Replaces the `{s}` placeholder with a number of seconds.
pub(crate) fn fill_seconds(template: &str, secs: u32) -> String {
    let mut out = String::with_capacity(template.len() + 8);
    match crate::text::find(template, "{s}") {
        Some(at) => {
            out.push_str(&template[..at]);
            crate::text::push_number(&mut out, secs.into());
            out.push_str(&template[at + 3..]);
        }
        None => out.push_str(template),
    }
    out
}

fn primary_subtag(locale: &str) -> &str {
    locale.split(['-', '_']).next().unwrap_or("").trim()
}

impl Strings {
    /// The launcher's label: plain, or with the number of unread answers.
    pub fn launcher_label(&self, unread: u32) -> String {
        if unread == 0 {
            self.open_chat.into()
        } else {
            fill_seconds(self.open_chat_unread, unread)
        }
    }

    /// A handoff notice by its name (docs/API.md "Handoff"), in this table's language;
    /// `None` for a name this version does not know (the gateway's English text is shown).
    pub fn notice(&self, name: &str, minutes: Option<u32>) -> Option<String> {
        Some(match name {
            "person_will_reply" => fill_seconds(self.notice_person_will_reply, minutes?),
            "closed_leave_email" => self.notice_closed_leave_email.into(),
            "person_joined" => self.notice_person_joined.into(),
            "back_to_assistant" => self.notice_back_to_assistant.into(),
            "closed" => self.notice_closed.into(),
            _ => return None,
        })
    }

    /// The rate-limit notice while `secs` remain, and once the wait is over.
    pub fn wait_text(&self, secs: u32) -> String {
        if secs == 0 {
            self.ready.into()
        } else {
            fill_seconds(self.error_rate_limited_wait, secs)
        }
    }

    /// What to tell the shopper about a failure.
    ///
    /// Codes named here are listed in [`NAMED_CODES`] (checked against the protocol in tests).
    pub fn failure_text(&self, failure: &Failure) -> String {
        if failure.code == Failure::NETWORK {
            return self.error_network.into();
        }
        if failure.code == Failure::INTERRUPTED {
            return self.interrupted.into();
        }
        if failure.is_limited() {
            return match failure.retry_after_secs {
                Some(s) if s > 0 => fill_seconds(self.error_rate_limited_wait, s),
                _ => self.error_rate_limited.into(),
            };
        }
        let text = match failure.code.as_str() {
            "upstream_error" | "upstream_timeout" | "storage_error" => self.error_unavailable,
            "origin_not_allowed" | "tenant_not_found" => self.error_not_allowed,
            "consent_required" => self.error_consent,
            "invalid_field" | "payload_too_large" | "bad_request" => self.error_invalid,
            _ => self.error_generic,
        };
        text.into()
    }
}

/// Error codes [`Strings::failure_text`] names, for the test that keeps them real.
#[cfg(test)]
pub(crate) const NAMED_CODES: &[&str] = &[
    "upstream_error",
    "upstream_timeout",
    "storage_error",
    "origin_not_allowed",
    "tenant_not_found",
    "consent_required",
    "invalid_field",
    "payload_too_large",
    "bad_request",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn json_list(s: &Strings) -> String {
        let mut out = String::from("[\n");
        for (i, t) in s.to_list().iter().enumerate() {
            out.push_str(if i == 0 { "  \"" } else { ",\n  \"" });
            out.push_str(&t.replace('\\', "\\\\").replace('"', "\\\""));
            out.push('"');
        }
        out.push_str("\n]\n");
        out
    }

    /// The fetched tables are these consts: `SHOPKEEP_WRITE_I18N=1 cargo test -p
    /// shopkeep-widget-core` rewrites widget/i18n/*.json after a table changes.
    #[test]
    fn i18n_files_match_the_tables() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../i18n");
        for s in &ALL[1..] {
            let path = dir.join(format!("{}.json", s.lang));
            let want = json_list(s);
            if std::env::var_os("SHOPKEEP_WRITE_I18N").is_some() {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &want).unwrap();
            }
            let have = std::fs::read_to_string(&path).unwrap_or_default();
            assert_eq!(
                have,
                want,
                "{} is stale: rerun with SHOPKEEP_WRITE_I18N=1",
                path.display()
            );
            let leaked: Vec<&'static str> = s.to_list();
            assert_eq!(Strings::from_list(s.lang, &leaked).as_ref(), Some(*s));
        }
        assert_eq!(Strings::from_list("en", &["x"]), None);
        assert_eq!(table_lang("pt-BR"), "pt");
        assert_eq!(table_lang("ja"), "en");
    }

    #[test]
    fn locales_pick_their_table_and_fall_back_to_english() {
        assert_eq!(strings_for("pt-BR").lang, "pt");
        assert_eq!(strings_for("DE").lang, "de");
        assert_eq!(strings_for("es_MX").send, "Enviar");
        assert_eq!(strings_for("ja").lang, "en");
        assert_eq!(strings_for("").lang, "en");
    }

    #[test]
    fn every_table_fills_every_string_and_keeps_the_wait_placeholder() {
        for s in ALL {
            for text in [
                s.open_chat,
                s.close,
                s.send,
                s.stop,
                s.retry,
                s.input_label,
                s.messages_label,
                s.suggestions_label,
                s.typing,
                s.looking_up,
                s.you,
                s.assistant,
                s.stopped,
                s.interrupted,
                s.consent_accept,
                s.consent_decline,
                s.consent_default,
                s.consent_declined,
                s.offline,
                s.ready,
                s.helpful,
                s.not_helpful,
                s.error_network,
                s.error_rate_limited,
                s.error_unavailable,
                s.error_not_allowed,
                s.error_consent,
                s.error_invalid,
                s.error_generic,
            ] {
                assert!(!text.trim().is_empty(), "empty string in {}", s.lang);
            }
            assert!(s.error_rate_limited_wait.contains("{s}"), "{}", s.lang);
            assert!(s.open_chat_unread.contains("{s}"), "{}", s.lang);
        }
    }

    #[test]
    fn rate_limit_shows_the_wait() {
        let f = Failure {
            code: "rate_limited".into(),
            retryable: true,
            retry_after_secs: Some(12),
        };
        assert_eq!(
            EN.failure_text(&f),
            "Too many messages. Please try again in 12 s."
        );
        assert_eq!(
            DE.failure_text(&f),
            "Zu viele Nachrichten. Bitte in 12 s erneut versuchen."
        );
    }

    #[test]
    fn rtl_locales_are_detected() {
        assert!(is_rtl("ar-EG"));
        assert!(is_rtl("he"));
        assert!(!is_rtl("en-US"));
    }
}
