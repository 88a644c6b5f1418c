#include "utterance_generator.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/durable_file.hpp"

namespace sluice::nodes {

namespace {

// ---------------------------------------------------------------------------------------------
// Randomness. splitmix64 is tiny, fast and fully specified, so every platform produces the same
// stream; std:: distributions are not portable across standard libraries.

constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ULL;

constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

class Rng {
 public:
  explicit Rng(std::uint64_t state) noexcept : state_(state) {}

  std::uint64_t next() noexcept { return mix64(state_ += kGolden); }

  /// Uniform in [0, n) for n < 2^32 (multiply-shift: no division, negligible bias).
  std::uint32_t below(std::uint32_t n) noexcept {
    return static_cast<std::uint32_t>(((next() >> 32) * n) >> 32);
  }
  std::uint32_t between(std::uint32_t lo, std::uint32_t hi) noexcept {
    return lo + below(hi - lo + 1);
  }
  bool percent(std::uint32_t p) noexcept { return below(100) < p; }

  template <typename T>
  const T& pick(std::span<const T> items) noexcept {
    return items[below(static_cast<std::uint32_t>(items.size()))];
  }
  template <typename T, std::size_t N>
  const T& pick(const T (&items)[N]) noexcept {
    return items[below(static_cast<std::uint32_t>(N))];
  }

 private:
  std::uint64_t state_;
};

/// Index drawn with the given integer weights.
std::size_t pick_weighted(Rng& rng, std::span<const std::uint16_t> weights) noexcept {
  std::uint32_t total = 0;
  for (auto w : weights) total += w;
  std::uint32_t r = rng.below(total);
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (r < weights[i]) return i;
    r -= weights[i];
  }
  return weights.size() - 1;
}

// ---------------------------------------------------------------------------------------------
// Small formatting helpers; they avoid snprintf, which would dominate the cost of a row.

void append_uint(std::string& out, std::uint64_t v) {
  char buf[20];
  char* p = buf + sizeof buf;
  do {
    *--p = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  out.append(p, static_cast<std::size_t>(buf + sizeof buf - p));
}

void write_padded(char* dst, std::uint64_t v, int width) noexcept {
  for (int i = width - 1; i >= 0; --i) {
    dst[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
}

void append_padded(std::string& out, std::uint64_t v, int width) {
  char buf[20];
  write_padded(buf, v, width);
  out.append(buf, static_cast<std::size_t>(width));
}

/// `count` (at most 16) random digits, the first one not zero when `leading_nonzero`.
void append_digits(std::string& out, Rng& rng, int count, bool leading_nonzero) {
  char buf[16];
  for (int i = 0; i < count; ++i) buf[i] = static_cast<char>('0' + rng.below(10));
  if (leading_nonzero && count > 0) buf[0] = static_cast<char>('1' + rng.below(9));
  out.append(buf, static_cast<std::size_t>(count));
}

/// A number of exactly `count` digits whose first digit is not zero.
void append_number(std::string& out, Rng& rng, int count) { append_digits(out, rng, count, true); }

/// Expands a digit pattern (at most 32 bytes): 'D' any digit, 'N' a digit 2-9, anything else
/// copied.
void append_pattern(std::string& out, Rng& rng, std::string_view pattern) {
  char buf[32];
  const std::size_t n = std::min(pattern.size(), sizeof buf);
  for (std::size_t i = 0; i < n; ++i) {
    const char c = pattern[i];
    if (c == 'D') {
      buf[i] = static_cast<char>('0' + rng.below(10));
    } else if (c == 'N') {
      buf[i] = static_cast<char>('2' + rng.below(8));
    } else {
      buf[i] = c;
    }
  }
  out.append(buf, n);
}

/// Amount with two decimals and optional thousands grouping: "1,249.99" or "1.249,99".
void append_amount(std::string& out, std::uint32_t units, std::uint32_t cents, char group,
                   char decimal) {
  if (units >= 1000) {
    append_uint(out, units / 1000);
    out.push_back(group);
    append_padded(out, units % 1000, 3);
  } else {
    append_uint(out, units);
  }
  out.push_back(decimal);
  append_padded(out, cents, 2);
}

// Bytes that force a CSV field into quotes, found eight at a time (SWAR): the quoting check runs
// over every utterance, and a byte loop with an early exit was a third of the cost of a row.
constexpr std::uint64_t kLowBits = 0x0101010101010101ULL;
constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;

constexpr std::uint64_t bytes_equal(std::uint64_t word, unsigned char c) noexcept {
  const std::uint64_t x = word ^ (kLowBits * c);
  return (x - kLowBits) & ~x & kHighBits;
}

bool needs_quoting(std::string_view field) noexcept {
  std::size_t i = 0;
  for (; i + 8 <= field.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, field.data() + i, 8);
    if ((bytes_equal(w, ',') | bytes_equal(w, '"') | bytes_equal(w, '\n') | bytes_equal(w, '\r')) !=
        0) {
      return true;
    }
  }
  for (; i < field.size(); ++i) {
    const char c = field[i];
    if (c == ',' || c == '"' || c == '\n' || c == '\r') return true;
  }
  return false;
}

void append_csv_field(std::string& out, std::string_view field) {
  if (!needs_quoting(field)) {
    out.append(field);
    return;
  }
  out.push_back('"');
  std::size_t from = 0;
  for (std::size_t q = field.find('"'); q != std::string_view::npos; q = field.find('"', q + 1)) {
    out.append(field.substr(from, q + 1 - from));
    out.push_back('"');  // a quote inside a quoted field is written twice
    from = q + 1;
  }
  out.append(field.substr(from));
  out.push_back('"');
}

// ---------------------------------------------------------------------------------------------
// Calendar.

bool is_leap(std::uint32_t year) noexcept {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

std::uint32_t days_in_month(std::uint32_t year, std::uint32_t month) noexcept {
  static constexpr std::uint8_t kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

std::string_view english_ordinal_suffix(std::uint32_t day) noexcept {
  if (day >= 11 && day <= 13) return "th";
  switch (day % 10) {
    case 1: return "st";
    case 2: return "nd";
    case 3: return "rd";
    default: return "th";
  }
}

// ---------------------------------------------------------------------------------------------
// Catalog: languages, locales and the templates the utterances are made of.

enum class Lang : std::uint8_t { en, de, fr, es };
constexpr std::size_t kLangCount = 4;

enum class Region : std::uint8_t { us, gb, au, de, fr, es, mx };

struct Locale {
  std::string_view tag;
  Lang lang;
  Region region;
};

constexpr std::array<Locale, 7> kLocales = {{
    {"en-US", Lang::en, Region::us},
    {"en-GB", Lang::en, Region::gb},
    {"en-AU", Lang::en, Region::au},
    {"de-DE", Lang::de, Region::de},
    {"fr-FR", Lang::fr, Region::fr},
    {"es-ES", Lang::es, Region::es},
    {"es-MX", Lang::es, Region::mx},
}};
constexpr std::array<std::uint16_t, 7> kLocaleWeights = {48, 14, 4, 12, 10, 7, 5};

constexpr std::array<std::string_view, 6> kChannels = {"chat", "web", "email",
                                                       "app",  "sms", "voice"};
constexpr std::array<std::uint16_t, 6> kChannelWeights = {40, 15, 15, 12, 10, 8};

// Locale tags and channels go into a fixed stack buffer in append_row.
constexpr std::size_t kMaxTagBytes = 8;
static_assert(std::ranges::all_of(kChannels, [](auto c) { return c.size() <= kMaxTagBytes; }));
static_assert(std::ranges::all_of(kLocales, [](auto l) { return l.tag.size() <= kMaxTagBytes; }));

// What a template is about. The first group are entities, then the look-alike distractors, then
// the pieces that are not picked as a row's main sentence.
enum class Kind : std::uint8_t {
  date,
  phone,
  email,
  ticket,
  card,
  version,
  price,
  time,
  fraction,
  ip,
  order,
  account,
  bad_date,
  plain,
  extra,    // a follow-up sentence with another entity, for rows with several
  closing,  // sign-off, optionally with a name
  count,
};
constexpr std::size_t kKindCount = static_cast<std::size_t>(Kind::count);

constexpr std::array<Kind, 8> kDistractorKinds = {Kind::version,  Kind::price,   Kind::time,
                                                  Kind::fraction, Kind::ip,      Kind::order,
                                                  Kind::account,  Kind::bad_date};

enum class Slot : std::uint8_t {
  date,
  phone,
  email,
  ticket,
  card,
  version,
  price,
  time,
  fraction,
  ip,
  order,
  account,
  bad_date,
  name,
  product,
  error,
};

struct SlotName {
  std::string_view name;
  Slot slot;
};
constexpr std::array<SlotName, 16> kSlotNames = {{
    {"date", Slot::date},
    {"phone", Slot::phone},
    {"email", Slot::email},
    {"ticket", Slot::ticket},
    {"card", Slot::card},
    {"version", Slot::version},
    {"price", Slot::price},
    {"time", Slot::time},
    {"fraction", Slot::fraction},
    {"ip", Slot::ip},
    {"order", Slot::order},
    {"account", Slot::account},
    {"bad_date", Slot::bad_date},
    {"name", Slot::name},
    {"product", Slot::product},
    {"error", Slot::error},
}};

struct RawTemplate {
  Kind kind;
  std::string_view intent;
  std::string_view text;  // literal text with {slot} markers
};

struct Name {
  std::string_view display;
  std::string_view ascii;  // for e-mail local parts
};

// clang-format off
constexpr RawTemplate kEnglish[] = {
    {Kind::date, "order_status", "My order was supposed to arrive on {date} but it still hasn't shown up."},
    {Kind::date, "shipping_delay", "Tracking says delivery on {date}, is that right?"},
    {Kind::date, "refund_request", "I returned the item on {date} and still no refund."},
    {Kind::date, "billing_question", "Why was I charged twice on {date}?"},
    {Kind::date, "appointment", "Can I move my appointment to {date}?"},
    {Kind::date, "cancel_subscription", "Please cancel my subscription effective {date}."},
    {Kind::date, "complaint", "I've been waiting since {date} for someone to call me back."},
    {Kind::date, "billing_question", "My last invoice is dated {date} but I already paid it."},
    {Kind::date, "product_question", "Will the {product} be back in stock before {date}?"},
    {Kind::date, "appointment", "The technician never showed up on {date}, we waited from {time} until noon."},
    {Kind::date, "shipping_delay", "The estimated delivery changed from {date} to {date} without any notice."},
    {Kind::date, "account_access", "I was locked out of my account on {date} and can't get back in."},
    {Kind::phone, "update_contact", "Please update my phone number to {phone}."},
    {Kind::phone, "human_agent", "Call me back at {phone} please."},
    {Kind::phone, "update_contact", "My new number is {phone}, the old one doesn't work anymore."},
    {Kind::phone, "account_access", "I'm not getting the verification code on {phone}."},
    {Kind::phone, "human_agent", "Can someone ring me on {phone} after 5pm?"},
    {Kind::phone, "fraud_report", "I got a weird call from {phone} claiming to be you guys. Was that really you?"},
    {Kind::phone, "human_agent", "This is {name}, best number to reach me is {phone}."},
    {Kind::email, "update_contact", "Please send the invoice to {email} instead."},
    {Kind::email, "account_access", "I can't log in with {email}, it says \"account not found\"."},
    {Kind::email, "update_contact", "Change my email to {email}."},
    {Kind::email, "account_access", "Password reset emails never arrive at {email}."},
    {Kind::email, "billing_question", "Can you email the receipt to {email}?"},
    {Kind::email, "general_inquiry", "This is {name}, my account email is {email}."},
    {Kind::email, "fraud_report", "I got a suspicious message asking me to confirm {email}, is it from you?"},
    {Kind::ticket, "ticket_followup", "Any update on {ticket}?"},
    {Kind::ticket, "ticket_followup", "I opened {ticket} last week and nobody has replied."},
    {Kind::ticket, "complaint", "This is the third time I'm asking about {ticket}, very frustrating."},
    {Kind::ticket, "ticket_followup", "Re: {ticket} - the issue is back again."},
    {Kind::ticket, "technical_support", "Following up on {ticket}: the router still drops the connection every evening."},
    {Kind::ticket, "complaint", "Your agent closed {ticket} as \"resolved\" but nothing was fixed."},
    {Kind::card, "payment_issue", "My card {card} was declined, can you check why?"},
    {Kind::card, "fraud_report", "I see charges I didn't make on card {card}."},
    {Kind::card, "billing_question", "Please update the card on file to {card}."},
    {Kind::card, "payment_issue", "Payment with {card} failed with \"do not honor\"."},
    {Kind::card, "refund_request", "Refund it to the original card please, {card}."},
    {Kind::version, "technical_support", "The app crashes on launch since I updated to version {version}."},
    {Kind::version, "technical_support", "I'm on version {version} and the export button does nothing."},
    {Kind::version, "technical_support", "Is firmware version {version} the latest one for the {product}?"},
    {Kind::version, "technical_support", "After updating to version {version} I get \"{error}\" every time."},
    {Kind::price, "billing_question", "Why is my bill {price} this month? It's usually less."},
    {Kind::price, "refund_request", "I was charged {price} for a {product} I never received."},
    {Kind::price, "product_question", "Is the {product} still {price} or did the price go up?"},
    {Kind::price, "billing_question", "The website said {price} but checkout shows a different total."},
    {Kind::time, "appointment", "Can the courier come after {time} tomorrow?"},
    {Kind::time, "human_agent", "I've been on hold since {time}, is anyone there?"},
    {Kind::time, "shipping_delay", "The driver said he'd be here by {time}, still nothing."},
    {Kind::fraction, "order_status", "Only {fraction} of my order arrived."},
    {Kind::fraction, "complaint", "The bottle was only {fraction} full when it arrived."},
    {Kind::fraction, "product_question", "Do you have the {fraction} inch adapter for the {product}?"},
    {Kind::ip, "technical_support", "I can't reach the admin page at {ip} after the reset."},
    {Kind::ip, "account_access", "My account got locked after a login from {ip}, that wasn't me."},
    {Kind::ip, "technical_support", "The router keeps giving {ip} to two devices."},
    {Kind::order, "order_status", "Where is my order {order}?"},
    {Kind::order, "refund_request", "I want to return order {order}, the size is wrong."},
    {Kind::order, "order_status", "Order {order} shows delivered but I never got it."},
    {Kind::account, "account_access", "My account number is {account}, I'm locked out."},
    {Kind::account, "billing_question", "Please check the balance on {account}."},
    {Kind::account, "cancel_subscription", "Close account {account}, I'm moving to another provider."},
    {Kind::bad_date, "order_status", "The confirmation says delivery on {bad_date}, that date doesn't even exist?"},
    {Kind::bad_date, "billing_question", "My statement shows a payment on {bad_date}, which is weird."},
    {Kind::bad_date, "general_inquiry", "The form won't accept my birth date, it keeps changing it to {bad_date}."},
    {Kind::plain, "human_agent", "I want to talk to a real person."},
    {Kind::plain, "general_inquiry", "Hello? Is anyone there?"},
    {Kind::plain, "complaint", "This is ridiculous, nothing works."},
    {Kind::plain, "cancel_subscription", "How do I cancel my subscription?"},
    {Kind::plain, "product_question", "Do you ship to Canada?"},
    {Kind::plain, "general_inquiry", "What are your opening hours?"},
    {Kind::plain, "complaint", "Your \"24/7 support\" is never available."},
    {Kind::plain, "technical_support", "The app just says \"{error}\" and logs me out."},
    {Kind::plain, "product_question", "Does the {product} come with a warranty?"},
    {Kind::date, "billing_question", "I paid {price} on {date} and it still shows as unpaid."},
    {Kind::phone, "shipping_delay", "Text me at {phone} when the driver is close."},
    {Kind::email, "account_access", "Is {email} still the address on my account?"},
    {Kind::ticket, "ticket_followup", "Ticket {ticket}: call me at {phone} or email {email}."},
    {Kind::ticket, "ticket_followup", "{name} here. {ticket} is still open after two weeks."},
    {Kind::card, "payment_issue", "Can you remove {card} from my account? I lost that card."},
    {Kind::version, "technical_support", "How do I go back to version {version}? The new layout is confusing."},
    {Kind::price, "refund_request", "You charged me {price} twice, I want one of them refunded."},
    {Kind::time, "general_inquiry", "Your store closes at {time} on weekends, right?"},
    {Kind::fraction, "complaint", "Only {fraction} of the screws were in the box."},
    {Kind::ip, "technical_support", "Ping to {ip} times out since this morning."},
    {Kind::order, "order_status", "Can I still change the address on order {order}?"},
    {Kind::account, "billing_question", "I need last year's statements for {account}."},
    {Kind::plain, "order_status", "my package never came"},
    {Kind::plain, "order_status", "Can I change my delivery address?"},
    {Kind::extra, "", "You can reach me at {phone}."},
    {Kind::extra, "", "My email is {email}."},
    {Kind::extra, "", "Reference: {ticket}."},
    {Kind::extra, "", "The order number is {order}."},
    {Kind::extra, "", "This started on {date}."},
    {Kind::extra, "", "I'm using version {version} of the app."},
    {Kind::closing, "", "Thanks!"},
    {Kind::closing, "", "Thank you."},
    {Kind::closing, "", "Thanks, {name}"},
    {Kind::closing, "", "Regards, {name}"},
    {Kind::closing, "", "Cheers"},
    {Kind::closing, "", "Please help asap!!"},
};

constexpr RawTemplate kGerman[] = {
    {Kind::date, "order_status", "Meine Bestellung sollte am {date} ankommen, ist aber immer noch nicht da."},
    {Kind::date, "appointment", "Kann ich den Termin auf den {date} verschieben?"},
    {Kind::date, "refund_request", "Ich habe die Ware am {date} zurückgeschickt und warte noch auf die Erstattung."},
    {Kind::date, "billing_question", "Warum wurde am {date} doppelt abgebucht?"},
    {Kind::date, "cancel_subscription", "Bitte kündigen Sie mein Abo zum {date}."},
    {Kind::phone, "update_contact", "Bitte ändern Sie meine Telefonnummer auf {phone}."},
    {Kind::phone, "human_agent", "Rufen Sie mich bitte unter {phone} zurück."},
    {Kind::phone, "account_access", "Ich bekomme keinen Bestätigungscode auf {phone}."},
    {Kind::email, "update_contact", "Meine neue E-Mail-Adresse ist {email}."},
    {Kind::email, "billing_question", "Bitte schicken Sie die Rechnung an {email}."},
    {Kind::email, "account_access", "Die Mail zum Zurücksetzen des Passworts kommt bei {email} nie an."},
    {Kind::ticket, "ticket_followup", "Gibt es Neuigkeiten zu {ticket}?"},
    {Kind::ticket, "complaint", "Ich warte seit Tagen auf eine Antwort zu {ticket}, das ist ärgerlich."},
    {Kind::card, "payment_issue", "Meine Karte {card} wurde abgelehnt, warum?"},
    {Kind::card, "fraud_report", "Auf meiner Karte {card} sind Abbuchungen, die ich nicht gemacht habe."},
    {Kind::version, "technical_support", "Seit dem Update auf Version {version} stürzt die App ständig ab."},
    {Kind::version, "technical_support", "Mit Version {version} zeigt die App nur „{error}“ an."},
    {Kind::price, "billing_question", "Warum beträgt meine Rechnung diesen Monat {price}?"},
    {Kind::time, "appointment", "Kann der Techniker nach {time} Uhr kommen?"},
    {Kind::fraction, "order_status", "Es ist nur {fraction} der Lieferung angekommen."},
    {Kind::ip, "technical_support", "Ich komme nicht auf die Router-Oberfläche unter {ip}."},
    {Kind::order, "order_status", "Wo bleibt meine Bestellung {order}?"},
    {Kind::account, "account_access", "Meine Kundennummer ist {account}, ich komme nicht mehr ins Konto."},
    {Kind::bad_date, "billing_question", "Auf der Rechnung steht als Datum der {bad_date}, den gibt es doch gar nicht."},
    {Kind::plain, "human_agent", "Ich möchte bitte mit einem Mitarbeiter sprechen."},
    {Kind::plain, "complaint", "Das ist wirklich ärgerlich, nichts funktioniert."},
    {Kind::plain, "general_inquiry", "Wie sind Ihre Öffnungszeiten?"},
    {Kind::date, "shipping_delay", "Die Lieferung wurde für den {date} angekündigt, kam aber nie."},
    {Kind::phone, "update_contact", "Meine neue Handynummer lautet {phone}."},
    {Kind::email, "general_inquiry", "Ich heiße {name}, mein Konto läuft auf {email}."},
    {Kind::ticket, "ticket_followup", "Bezug: {ticket} – das Problem ist wieder da."},
    {Kind::card, "billing_question", "Bitte hinterlegen Sie die Karte {card} für künftige Zahlungen."},
    {Kind::price, "refund_request", "Mir wurden {price} zu viel berechnet."},
    {Kind::time, "human_agent", "Ich hänge seit {time} in der Warteschleife."},
    {Kind::fraction, "complaint", "Die Flasche war nur zu {fraction} voll."},
    {Kind::ip, "technical_support", "Seit dem Reset ist der Drucker unter {ip} nicht mehr erreichbar."},
    {Kind::order, "refund_request", "Ich möchte die Bestellung {order} zurückgeben, die Größe passt nicht."},
    {Kind::account, "billing_question", "Bitte prüfen Sie den Kontostand von {account}."},
    {Kind::bad_date, "general_inquiry", "Im Formular wird mein Geburtsdatum immer zu {bad_date} geändert."},
    {Kind::plain, "cancel_subscription", "Kann ich mein Abo pausieren?"},
    {Kind::extra, "", "Sie erreichen mich unter {phone}."},
    {Kind::extra, "", "Meine E-Mail ist {email}."},
    {Kind::extra, "", "Vorgang: {ticket}."},
    {Kind::closing, "", "Danke!"},
    {Kind::closing, "", "Viele Grüße, {name}"},
    {Kind::closing, "", "Vielen Dank im Voraus."},
};

constexpr RawTemplate kFrench[] = {
    {Kind::date, "order_status", "Ma commande devait arriver le {date} mais je n'ai toujours rien reçu."},
    {Kind::date, "appointment", "Est-ce que je peux déplacer mon rendez-vous au {date} ?"},
    {Kind::date, "refund_request", "J'ai renvoyé l'article le {date} et je n'ai pas été remboursé."},
    {Kind::date, "billing_question", "Pourquoi ai-je été prélevé deux fois le {date} ?"},
    {Kind::phone, "update_contact", "Merci de mettre à jour mon numéro : {phone}."},
    {Kind::phone, "human_agent", "Pouvez-vous me rappeler au {phone} ?"},
    {Kind::email, "update_contact", "Ma nouvelle adresse e-mail est {email}."},
    {Kind::email, "billing_question", "Envoyez la facture à {email}, s'il vous plaît."},
    {Kind::ticket, "ticket_followup", "Des nouvelles concernant {ticket} ?"},
    {Kind::ticket, "complaint", "Toujours aucune réponse pour {ticket}, c'est inadmissible."},
    {Kind::card, "payment_issue", "Ma carte {card} a été refusée, pourquoi ?"},
    {Kind::version, "technical_support", "L'application plante depuis la version {version}."},
    {Kind::version, "technical_support", "Depuis la version {version}, l'appli affiche « {error} » à chaque fois."},
    {Kind::price, "billing_question", "Pourquoi ma facture est de {price} ce mois-ci ?"},
    {Kind::time, "appointment", "Le livreur peut-il passer après {time} ?"},
    {Kind::fraction, "order_status", "Seulement {fraction} de ma commande est arrivée."},
    {Kind::ip, "technical_support", "Impossible d'accéder à la box sur {ip}."},
    {Kind::order, "order_status", "Où en est ma commande {order} ?"},
    {Kind::account, "account_access", "Mon numéro de compte est {account} et je suis bloqué."},
    {Kind::bad_date, "general_inquiry", "Le site affiche une livraison le {bad_date}, c'est une erreur ?"},
    {Kind::plain, "human_agent", "Je voudrais parler à un conseiller."},
    {Kind::plain, "complaint", "Ça ne marche toujours pas, c'est très énervant."},
    {Kind::plain, "product_question", "Vous livrez en Belgique ?"},
    {Kind::date, "shipping_delay", "La livraison était prévue pour le {date}, toujours rien."},
    {Kind::phone, "fraud_report", "Je reçois des appels du {phone} qui se fait passer pour vous."},
    {Kind::email, "account_access", "Je n'arrive pas à me connecter avec {email}."},
    {Kind::ticket, "ticket_followup", "Je relance pour {ticket}, le problème n'est pas réglé."},
    {Kind::card, "fraud_report", "Des paiements inconnus apparaissent sur ma carte {card}."},
    {Kind::price, "refund_request", "On m'a facturé {price} pour un article jamais reçu."},
    {Kind::time, "human_agent", "J'attends en ligne depuis {time}, c'est long."},
    {Kind::fraction, "complaint", "La bouteille n'était remplie qu'aux {fraction}."},
    {Kind::ip, "account_access", "Mon compte a été bloqué après une connexion depuis {ip}, ce n'était pas moi."},
    {Kind::order, "order_status", "La commande {order} est indiquée comme livrée mais je ne l'ai pas."},
    {Kind::account, "cancel_subscription", "Merci de clôturer le compte {account}."},
    {Kind::bad_date, "billing_question", "Ma facture est datée du {bad_date}, c'est bizarre."},
    {Kind::plain, "cancel_subscription", "Comment résilier mon abonnement ?"},
    {Kind::extra, "", "Vous pouvez me joindre au {phone}."},
    {Kind::extra, "", "Mon e-mail : {email}."},
    {Kind::extra, "", "Référence : {ticket}."},
    {Kind::closing, "", "Merci !"},
    {Kind::closing, "", "Cordialement, {name}"},
    {Kind::closing, "", "Merci d'avance."},
};

constexpr RawTemplate kSpanish[] = {
    {Kind::date, "order_status", "Mi pedido tenía que llegar el {date} y todavía no ha llegado."},
    {Kind::date, "appointment", "¿Puedo cambiar la cita al {date}?"},
    {Kind::date, "billing_question", "¿Por qué me cobraron dos veces el {date}?"},
    {Kind::date, "refund_request", "Devolví el producto el {date} y sigo sin reembolso."},
    {Kind::phone, "update_contact", "Por favor, actualicen mi teléfono a {phone}."},
    {Kind::phone, "human_agent", "Llámenme al {phone}, por favor."},
    {Kind::email, "update_contact", "Mi nuevo correo es {email}."},
    {Kind::email, "account_access", "No me llega el correo de recuperación a {email}."},
    {Kind::ticket, "ticket_followup", "¿Hay novedades sobre {ticket}?"},
    {Kind::ticket, "complaint", "Llevo una semana esperando respuesta a {ticket}, qué mal servicio."},
    {Kind::card, "payment_issue", "Mi tarjeta {card} fue rechazada, ¿qué pasó?"},
    {Kind::version, "technical_support", "La aplicación se cierra sola desde la versión {version}."},
    {Kind::version, "technical_support", "Con la versión {version} la app dice \"{error}\" cuando intento pagar."},
    {Kind::price, "billing_question", "¿Por qué mi factura es de {price} este mes?"},
    {Kind::time, "appointment", "¿El técnico puede venir después de las {time}?"},
    {Kind::fraction, "order_status", "Solo llegó {fraction} del pedido."},
    {Kind::ip, "technical_support", "No puedo entrar al router en {ip}."},
    {Kind::order, "order_status", "¿Dónde está mi pedido {order}?"},
    {Kind::account, "account_access", "Mi número de cuenta es {account} y no puedo entrar."},
    {Kind::bad_date, "billing_question", "En el recibo aparece la fecha {bad_date}, ¿cómo es posible?"},
    {Kind::plain, "human_agent", "Quiero hablar con una persona, por favor."},
    {Kind::plain, "complaint", "¡Esto no funciona para nada!"},
    {Kind::plain, "product_question", "¿Hacen envíos a Canarias?"},
    {Kind::date, "shipping_delay", "El repartidor dijo que vendría el {date} y nunca vino."},
    {Kind::phone, "fraud_report", "Me llamaron del {phone} diciendo que eran ustedes, ¿es cierto?"},
    {Kind::email, "billing_question", "Envíen la factura a {email}, por favor."},
    {Kind::ticket, "ticket_followup", "Sigo esperando que resuelvan {ticket}."},
    {Kind::card, "fraud_report", "Veo cargos que no hice en la tarjeta {card}."},
    {Kind::price, "refund_request", "Me cobraron {price} por algo que nunca recibí."},
    {Kind::time, "human_agent", "Llevo esperando en la línea desde las {time}."},
    {Kind::fraction, "complaint", "La botella venía llena solo hasta {fraction}."},
    {Kind::ip, "account_access", "Alguien entró a mi cuenta desde {ip}, no fui yo."},
    {Kind::order, "refund_request", "Quiero devolver el pedido {order}, la talla no es la correcta."},
    {Kind::account, "cancel_subscription", "Cierren la cuenta {account}, me cambio de compañía."},
    {Kind::bad_date, "general_inquiry", "El formulario cambia mi fecha de nacimiento a {bad_date}."},
    {Kind::plain, "cancel_subscription", "¿Cómo cancelo mi suscripción?"},
    {Kind::extra, "", "Pueden contactarme al {phone}."},
    {Kind::extra, "", "Mi correo es {email}."},
    {Kind::extra, "", "Referencia: {ticket}."},
    {Kind::closing, "", "Gracias."},
    {Kind::closing, "", "Saludos, {name}"},
    {Kind::closing, "", "¡Muchas gracias!"},
};
// clang-format on

constexpr std::string_view kEnglishGreetings[] = {"Hi, ",       "Hello, ",        "Hey, ",
                                                  "Hi there! ", "Good morning. ", "Hello! "};
constexpr std::string_view kGermanGreetings[] = {"Hallo, ", "Guten Tag, ", "Moin! ", "Hallo! "};
constexpr std::string_view kFrenchGreetings[] = {"Bonjour, ", "Bonsoir, ", "Salut ! "};
constexpr std::string_view kSpanishGreetings[] = {"Hola, ", "Buenas tardes, ", "¡Hola! "};

constexpr Name kEnglishNames[] = {
    {"James", "james"}, {"Emma", "emma"},         {"Olivia", "olivia"}, {"Liam", "liam"},
    {"Noah", "noah"},   {"Ava", "ava"},           {"Sophia", "sophia"}, {"Mason", "mason"},
    {"Priya", "priya"}, {"Mohammed", "mohammed"}, {"Chen", "chen"},     {"Zoë", "zoe"},
    {"Renée", "renee"}, {"Aoife", "aoife"},       {"Ethan", "ethan"},   {"Grace", "grace"},
};
constexpr Name kGermanNames[] = {
    {"Jürgen", "juergen"}, {"Jörg", "joerg"},     {"Lena", "lena"},
    {"Lukas", "lukas"},    {"Sophie", "sophie"},  {"Maximilian", "maximilian"},
    {"Anna", "anna"},      {"Günter", "guenter"}, {"Käthe", "kaethe"},
    {"Björn", "bjoern"},   {"Felix", "felix"},    {"Mia", "mia"},
};
constexpr Name kFrenchNames[] = {
    {"François", "francois"}, {"Hélène", "helene"},   {"Chloé", "chloe"}, {"Léa", "lea"},
    {"Théo", "theo"},         {"Camille", "camille"}, {"Louis", "louis"}, {"Manon", "manon"},
    {"Jérôme", "jerome"},     {"Gaëlle", "gaelle"},
};
constexpr Name kSpanishNames[] = {
    {"José", "jose"},     {"María", "maria"},   {"Begoña", "begona"}, {"Iñaki", "inaki"},
    {"Lucía", "lucia"},   {"Sofía", "sofia"},   {"Javier", "javier"}, {"Carmen", "carmen"},
    {"Andrés", "andres"}, {"Martín", "martin"},
};
constexpr std::string_view kLastNames[] = {
    "smith",    "johnson",   "brown",  "garcia",  "martinez", "lopez",     "mueller",
    "schmidt",  "schneider", "martin", "bernard", "dubois",   "fernandez", "nguyen",
    "kowalski", "rossi",     "patel",  "oconnor", "kim",      "silva",
};

constexpr std::string_view kEnglishProducts[] = {
    "wireless headphones", "smart thermostat", "Pro plan", "router",        "coffee maker",
    "running shoes",       "phone case",       "4K TV",    "standing desk", "air fryer",
};
constexpr std::string_view kEnglishErrors[] = {"Something went wrong", "Error 500",
                                               "Session expired",      "Payment declined",
                                               "Try again later",      "Invalid code"};
constexpr std::string_view kGermanErrors[] = {"Ein Fehler ist aufgetreten", "Sitzung abgelaufen",
                                              "Zahlung fehlgeschlagen"};
constexpr std::string_view kFrenchErrors[] = {"Une erreur est survenue", "Session expirée",
                                              "Paiement refusé"};
constexpr std::string_view kSpanishErrors[] = {"Algo salió mal", "Sesión caducada",
                                               "Pago rechazado"};

using Months = std::array<std::string_view, 12>;
constexpr Months kEnglishMonths = {"January",   "February", "March",    "April",
                                   "May",       "June",     "July",     "August",
                                   "September", "October",  "November", "December"};
constexpr Months kGermanMonths = {"Januar",    "Februar", "März",     "April",
                                  "Mai",       "Juni",    "Juli",     "August",
                                  "September", "Oktober", "November", "Dezember"};
constexpr Months kFrenchMonths = {"janvier",   "février", "mars",     "avril",
                                  "mai",       "juin",    "juillet",  "août",
                                  "septembre", "octobre", "novembre", "décembre"};
constexpr Months kSpanishMonths = {"enero",      "febrero", "marzo",     "abril",
                                   "mayo",       "junio",   "julio",     "agosto",
                                   "septiembre", "octubre", "noviembre", "diciembre"};

constexpr std::string_view kEmoji[] = {"🙂", "🙏", "😡", "👍", "😤", "😭", "📦", "⏰"};

constexpr std::string_view kFractions[] = {"1/2", "1/3", "2/3", "1/4", "3/4", "3/8", "5/8", "7/8"};

constexpr std::string_view kEmailTags[] = {"shop", "orders", "news", "support", "2024", "bills"};
constexpr std::string_view kGenericDomains[] = {
    "gmail.com",
    "outlook.com",
    "yahoo.com",
    "icloud.com",
    "hotmail.com",
    "proton.me",
    "mail.example.com",
    "corp.example.co.uk",
    "eu.acme-logistics.com",
    "billing.shop.example.org",
    "students.uni-example.edu",
    "fastmail.fm",
};

struct Piece {
  std::string_view literal;  // text before the slot
  bool has_slot = false;
  Slot slot = Slot::date;
};

struct Template {
  std::string_view intent;
  std::vector<Piece> pieces;
};

struct Language {
  std::array<std::vector<Template>, kKindCount> templates;
  std::span<const std::string_view> greetings;
  std::span<const Name> names;
  std::span<const std::string_view> products;
  std::span<const std::string_view> errors;
  const Months* months = nullptr;
};

// Bounds the stack buffer for a record's fixed columns (see append_row).
constexpr std::size_t kMaxIntentBytes = 32;

Template compile_template(const RawTemplate& raw) {
  if (raw.intent.size() > kMaxIntentBytes) {
    throw std::logic_error("utterance template intent is too long: " + std::string(raw.intent));
  }
  Template result;
  result.intent = raw.intent;
  std::string_view rest = raw.text;
  while (!rest.empty()) {
    const std::size_t open = rest.find('{');
    if (open == std::string_view::npos) {
      result.pieces.push_back({rest, false, Slot::date});
      break;
    }
    const std::size_t close = rest.find('}', open);
    if (close == std::string_view::npos) {
      throw std::logic_error("utterance template has an unclosed slot: " + std::string(raw.text));
    }
    const std::string_view name = rest.substr(open + 1, close - open - 1);
    const SlotName* found = nullptr;
    for (const auto& s : kSlotNames) {
      if (s.name == name) found = &s;
    }
    if (found == nullptr) {
      throw std::logic_error("utterance template has an unknown slot {" + std::string(name) +
                             "}: " + std::string(raw.text));
    }
    result.pieces.push_back({rest.substr(0, open), true, found->slot});
    rest.remove_prefix(close + 1);
  }
  return result;
}

Language build_language(std::span<const RawTemplate> raw,
                        std::span<const std::string_view> greetings, std::span<const Name> names,
                        std::span<const std::string_view> products,
                        std::span<const std::string_view> errors, const Months& months) {
  Language lang;
  for (const auto& t : raw) {
    lang.templates[static_cast<std::size_t>(t.kind)].push_back(compile_template(t));
  }
  // Every row picks a kind first, so a language missing one would have nothing to say.
  for (std::size_t k = 0; k < kKindCount; ++k) {
    if (lang.templates[k].empty()) {
      throw std::logic_error("utterance catalog: a language has no template of kind " +
                             std::to_string(k));
    }
  }
  lang.greetings = greetings;
  lang.names = names;
  lang.products = products;
  lang.errors = errors;
  lang.months = &months;
  return lang;
}

struct Catalog {
  std::array<Language, kLangCount> languages;
};

const Catalog& catalog() {
  static const Catalog instance = [] {
    Catalog c;
    c.languages[0] = build_language(kEnglish, kEnglishGreetings, kEnglishNames, kEnglishProducts,
                                    kEnglishErrors, kEnglishMonths);
    // Only English templates use {product}; the others reuse the English list if they ever do.
    c.languages[1] = build_language(kGerman, kGermanGreetings, kGermanNames, kEnglishProducts,
                                    kGermanErrors, kGermanMonths);
    c.languages[2] = build_language(kFrench, kFrenchGreetings, kFrenchNames, kEnglishProducts,
                                    kFrenchErrors, kFrenchMonths);
    c.languages[3] = build_language(kSpanish, kSpanishGreetings, kSpanishNames, kEnglishProducts,
                                    kSpanishErrors, kSpanishMonths);
    return c;
  }();
  return instance;
}

// ---------------------------------------------------------------------------------------------
// Slot rendering.

struct RowContext {
  Rng& rng;
  const Locale& locale;
  const Language& lang;
  std::string& out;
};

enum class DateStyle : std::uint8_t {
  mdy_slash_padded,  // 05/12/2024
  mdy_slash,         // 5/12/2024
  mdy_dash_short,    // 5-12-24
  dmy_slash_padded,  // 12/05/2024
  dmy_dash_short,    // 12-5-24
  dmy_dot_padded,    // 12.05.2024
  dmy_dot_short,     // 12.5.24
  iso,               // 2024-05-12
  month_d_yyyy,      // May 12, 2024
  d_month_yyyy,      // 12 May 2024
  month_dth,         // May 12th
  dth_of_month,      // 12th of May
  de_long,           // 12. Mai 2024
  fr_long,           // 12 mai 2024, 1er mai 2024
  es_long,           // 12 de mayo de 2024
};

struct DateStyles {
  std::span<const DateStyle> styles;
  std::span<const std::uint16_t> weights;
};

constexpr DateStyle kUsStyles[] = {DateStyle::mdy_slash_padded, DateStyle::mdy_slash,
                                   DateStyle::mdy_dash_short,   DateStyle::iso,
                                   DateStyle::month_d_yyyy,     DateStyle::d_month_yyyy,
                                   DateStyle::dmy_dot_padded,   DateStyle::month_dth};
constexpr std::uint16_t kUsWeights[] = {25, 10, 10, 10, 22, 5, 5, 13};
constexpr DateStyle kGbStyles[] = {
    DateStyle::dmy_slash_padded, DateStyle::d_month_yyyy,   DateStyle::iso,
    DateStyle::dmy_dot_padded,   DateStyle::dmy_dash_short, DateStyle::month_d_yyyy,
    DateStyle::dth_of_month};
constexpr std::uint16_t kGbWeights[] = {30, 25, 10, 5, 10, 10, 10};
constexpr DateStyle kDeStyles[] = {DateStyle::dmy_dot_padded, DateStyle::de_long, DateStyle::iso,
                                   DateStyle::dmy_dot_short};
constexpr std::uint16_t kDeWeights[] = {45, 30, 10, 15};
constexpr DateStyle kFrStyles[] = {DateStyle::fr_long, DateStyle::dmy_slash_padded, DateStyle::iso};
constexpr std::uint16_t kFrWeights[] = {45, 40, 15};
constexpr DateStyle kEsStyles[] = {DateStyle::es_long, DateStyle::dmy_slash_padded, DateStyle::iso,
                                   DateStyle::dmy_dash_short};
constexpr std::uint16_t kEsWeights[] = {45, 40, 10, 5};

DateStyles date_styles(Region region) noexcept {
  switch (region) {
    case Region::us: return {kUsStyles, kUsWeights};
    case Region::gb:
    case Region::au: return {kGbStyles, kGbWeights};
    case Region::de: return {kDeStyles, kDeWeights};
    case Region::fr: return {kFrStyles, kFrWeights};
    case Region::es:
    case Region::mx: return {kEsStyles, kEsWeights};
  }
  return {kUsStyles, kUsWeights};
}

DateStyle pick_date_style(Rng& rng, Region region) noexcept {
  const DateStyles s = date_styles(region);
  return s.styles[pick_weighted(rng, s.weights)];
}

/// Writes day/month/year in `style`. Also used for impossible dates, so it never validates.
void append_date(std::string& out, const Months& months, DateStyle style, std::uint32_t year,
                 std::uint32_t month, std::uint32_t day) {
  const std::string_view month_name = months[(month - 1) % 12];
  // Numeric styles: day or month first, zero padding, separator, four- or two-digit year.
  auto numeric = [&](bool month_first, bool padded, char sep, bool short_year) {
    const std::uint32_t first = month_first ? month : day;
    const std::uint32_t second = month_first ? day : month;
    if (padded) {
      append_padded(out, first, 2);
      out += sep;
      append_padded(out, second, 2);
    } else {
      append_uint(out, first);
      out += sep;
      append_uint(out, second);
    }
    out += sep;
    if (short_year) {
      append_padded(out, year % 100, 2);
    } else {
      append_uint(out, year);
    }
  };
  switch (style) {
    case DateStyle::mdy_slash_padded: numeric(true, true, '/', false); break;
    case DateStyle::mdy_slash: numeric(true, false, '/', false); break;
    case DateStyle::mdy_dash_short: numeric(true, false, '-', true); break;
    case DateStyle::dmy_slash_padded: numeric(false, true, '/', false); break;
    case DateStyle::dmy_dash_short: numeric(false, false, '-', true); break;
    case DateStyle::dmy_dot_padded: numeric(false, true, '.', false); break;
    case DateStyle::dmy_dot_short: numeric(false, false, '.', true); break;
    case DateStyle::iso:
      append_uint(out, year);
      out += '-';
      append_padded(out, month, 2);
      out += '-';
      append_padded(out, day, 2);
      break;
    case DateStyle::month_d_yyyy:
      out += month_name;
      out += ' ';
      append_uint(out, day);
      out += ", ";
      append_uint(out, year);
      break;
    case DateStyle::d_month_yyyy:
      append_uint(out, day);
      out += ' ';
      out += month_name;
      out += ' ';
      append_uint(out, year);
      break;
    case DateStyle::month_dth:
      out += month_name;
      out += ' ';
      append_uint(out, day);
      out += english_ordinal_suffix(day);
      break;
    case DateStyle::dth_of_month:
      append_uint(out, day);
      out += english_ordinal_suffix(day);
      out += " of ";
      out += month_name;
      break;
    case DateStyle::de_long:
      append_uint(out, day);
      out += ". ";
      out += month_name;
      out += ' ';
      append_uint(out, year);
      break;
    case DateStyle::fr_long:
      if (day == 1) {
        out += "1er";
      } else {
        append_uint(out, day);
      }
      out += ' ';
      out += month_name;
      out += ' ';
      append_uint(out, year);
      break;
    case DateStyle::es_long:
      append_uint(out, day);
      out += " de ";
      out += month_name;
      out += " de ";
      append_uint(out, year);
      break;
  }
}

void render_date(RowContext& c) {
  const std::uint32_t year = c.rng.between(2022, 2025);
  const std::uint32_t month = c.rng.between(1, 12);
  const std::uint32_t day = c.rng.between(1, days_in_month(year, month));
  append_date(c.out, *c.lang.months, pick_date_style(c.rng, c.locale.region), year, month, day);
}

void render_bad_date(RowContext& c) {
  struct DayMonth {
    std::uint8_t day;
    std::uint8_t month;
  };
  static constexpr DayMonth kImpossible[] = {{31, 2}, {30, 2},  {29, 2}, {31, 4}, {31, 6},
                                             {31, 9}, {31, 11}, {32, 1}, {15, 13}};
  const DayMonth dm = c.rng.pick(kImpossible);
  // 29 February needs a common year to be impossible.
  static constexpr std::uint32_t kCommonYears[] = {2022, 2023, 2025};
  const std::uint32_t year = dm.day == 29 ? c.rng.pick(kCommonYears) : c.rng.between(2022, 2025);
  DateStyle style = DateStyle::dmy_slash_padded;
  if (c.rng.percent(10)) {
    style = DateStyle::iso;
  } else if (c.locale.region == Region::us) {
    style = DateStyle::mdy_slash_padded;
  } else if (c.locale.region == Region::de) {
    style = DateStyle::dmy_dot_padded;
  }
  append_date(c.out, *c.lang.months, style, year, dm.month, dm.day);
}

void render_phone(RowContext& c) {
  static constexpr std::string_view kUs[] = {"NDD-NDD-DDDD", "(NDD) NDD-DDDD",  "+1 NDD NDD DDDD",
                                             "NDD.NDD.DDDD", "+1-NDD-NDD-DDDD", "NDDNDDDDDD"};
  static constexpr std::array<std::uint16_t, 6> kUsWeights = {30, 25, 15, 10, 10, 10};
  // Ofcom's ranges reserved for drama, so the numbers look real but reach nobody.
  static constexpr std::string_view kGb[] = {"+44 20 7946 0DDD", "020 7946 0DDD", "+44 7700 900DDD",
                                             "07700 900DDD"};
  static constexpr std::string_view kAu[] = {"+61 4DD DDD DDD", "04DD DDD DDD", "(02) 9DDD DDDD"};
  static constexpr std::string_view kDe[] = {"+49 30 NDDDDDDD", "030 NDDDDDDD", "+49 151 NDDDDDDD",
                                             "0151 NDDDDDDD", "+49 (0)89 NDDDDDD"};
  static constexpr std::string_view kFr[] = {"+33 1 DD DD DD DD", "01 DD DD DD DD",
                                             "06 DD DD DD DD", "+33 6 DD DD DD DD"};
  static constexpr std::string_view kEs[] = {"+34 6DD DDD DDD", "6DD DD DD DD", "91 NDD DD DD"};
  static constexpr std::string_view kMx[] = {"+52 55 NDDD DDDD", "55 NDDD DDDD",
                                             "+52 33 NDDD DDDD"};
  std::string_view pattern;
  switch (c.locale.region) {
    case Region::us: pattern = kUs[pick_weighted(c.rng, kUsWeights)]; break;
    case Region::gb: pattern = c.rng.pick(kGb); break;
    case Region::au: pattern = c.rng.pick(kAu); break;
    case Region::de: pattern = c.rng.pick(kDe); break;
    case Region::fr: pattern = c.rng.pick(kFr); break;
    case Region::es: pattern = c.rng.pick(kEs); break;
    case Region::mx: pattern = c.rng.pick(kMx); break;
  }
  append_pattern(c.out, c.rng, pattern);
}

std::span<const std::string_view> regional_domains(Region region) noexcept {
  static constexpr std::string_view kUs[] = {"aol.com", "comcast.net", "verizon.net"};
  static constexpr std::string_view kGb[] = {"btinternet.com", "yahoo.co.uk", "sky.com"};
  static constexpr std::string_view kAu[] = {"bigpond.com", "optusnet.com.au"};
  static constexpr std::string_view kDe[] = {"gmx.de", "web.de", "t-online.de", "posteo.de"};
  static constexpr std::string_view kFr[] = {"orange.fr", "laposte.net", "free.fr", "sfr.fr"};
  static constexpr std::string_view kEs[] = {"hotmail.es", "telefonica.net", "yahoo.es"};
  static constexpr std::string_view kMx[] = {"prodigy.net.mx", "yahoo.com.mx"};
  switch (region) {
    case Region::us: return kUs;
    case Region::gb: return kGb;
    case Region::au: return kAu;
    case Region::de: return kDe;
    case Region::fr: return kFr;
    case Region::es: return kEs;
    case Region::mx: return kMx;
  }
  return kUs;
}

void render_email(RowContext& c) {
  const Name& first = c.rng.pick(c.lang.names);
  const std::string_view last = c.rng.pick(kLastNames);
  static constexpr std::array<std::uint16_t, 8> kLocalWeights = {30, 10, 10, 10, 15, 5, 10, 10};
  const std::string_view tag = c.rng.pick(kEmailTags);
  std::string& out = c.out;
  switch (pick_weighted(c.rng, kLocalWeights)) {
    case 0:  // first.last
      out += first.ascii;
      out += '.';
      out += last;
      break;
    case 1:  // firstlast
      out += first.ascii;
      out += last;
      break;
    case 2:  // f.last
      out += first.ascii[0];
      out += '.';
      out += last;
      break;
    case 3:  // first_last
      out += first.ascii;
      out += '_';
      out += last;
      break;
    case 4:  // plus-addressing: first+tag
      out += first.ascii;
      out += '+';
      out += tag;
      break;
    case 5:  // first.last+tag
      out += first.ascii;
      out += '.';
      out += last;
      out += '+';
      out += tag;
      break;
    case 6:  // first42
      out += first.ascii;
      append_padded(out, c.rng.below(100), 2);
      break;
    default:  // last.first
      out += last;
      out += '.';
      out += first.ascii;
      break;
  }
  c.out += '@';
  c.out += c.rng.percent(35) ? c.rng.pick(regional_domains(c.locale.region))
                             : c.rng.pick(kGenericDomains);
}

void render_card(RowContext& c) {
  // Visa and Mastercard have 16 digits in groups of 4; American Express 15 in 4-6-5.
  char digits[16];
  int length = 16;
  const std::uint32_t brand = c.rng.below(10);
  for (char& d : digits) d = static_cast<char>('0' + c.rng.below(10));
  if (brand < 6) {
    digits[0] = '4';
  } else if (brand < 9) {
    digits[0] = '5';
    digits[1] = static_cast<char>('1' + c.rng.below(5));
  } else {
    length = 15;
    digits[0] = '3';
    digits[1] = c.rng.percent(50) ? '4' : '7';
  }
  // Luhn: double every second digit counting leftwards from the check digit.
  int sum = 0;
  for (int i = length - 2, k = 0; i >= 0; --i, ++k) {
    int d = digits[i] - '0';
    if (k % 2 == 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  digits[length - 1] = static_cast<char>('0' + (10 - sum % 10) % 10);

  const std::uint32_t sep_roll = c.rng.below(10);
  const char sep = sep_roll < 6 ? ' ' : sep_roll < 8 ? '-' : '\0';
  static constexpr int kGroups16[] = {4, 4, 4, 4};
  static constexpr int kGroups15[] = {4, 6, 5};
  const std::span<const int> groups =
      length == 16 ? std::span<const int>(kGroups16) : std::span<const int>(kGroups15);
  int pos = 0;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    if (g > 0 && sep != '\0') c.out += sep;
    c.out.append(digits + pos, static_cast<std::size_t>(groups[g]));
    pos += groups[g];
  }
}

void render_price(RowContext& c) {
  const std::uint32_t units = c.rng.percent(12) ? c.rng.between(1000, 2999) : c.rng.between(1, 499);
  const std::uint32_t cents = c.rng.percent(40) ? 99 : c.rng.below(100);
  switch (c.locale.region) {
    case Region::us:
    case Region::mx:
      c.out += '$';
      append_amount(c.out, units, cents, ',', '.');
      if (c.locale.region == Region::mx && c.rng.percent(30)) c.out += " MXN";
      break;
    case Region::au:
      c.out += c.rng.percent(30) ? "A$" : "$";
      append_amount(c.out, units, cents, ',', '.');
      break;
    case Region::gb:
      c.out += "£";
      append_amount(c.out, units, cents, ',', '.');
      break;
    case Region::de:
    case Region::fr:
    case Region::es:
      if (c.rng.percent(20)) {
        c.out += "€";
        append_amount(c.out, units, cents, ',', '.');
      } else {
        append_amount(c.out, units, cents, c.locale.region == Region::fr ? ' ' : '.', ',');
        c.out += " €";
      }
      break;
  }
}

void render_time(RowContext& c) {
  const std::uint32_t minute = c.rng.percent(80) ? 5 * c.rng.below(12) : c.rng.below(60);
  const bool twelve_hour = c.locale.region == Region::us || c.locale.region == Region::au ||
                           (c.locale.region == Region::gb && c.rng.percent(30));
  if (twelve_hour && c.rng.percent(80)) {
    append_uint(c.out, c.rng.between(1, 12));
    c.out += ':';
    append_padded(c.out, minute, 2);
    const std::uint32_t suffix = c.rng.below(4);
    if (suffix == 1) c.out += " am";
    if (suffix == 2) c.out += "pm";
    if (suffix == 3) c.out += " PM";
    return;
  }
  const std::uint32_t hour = c.rng.between(7, 21);
  if (c.locale.region == Region::fr && c.rng.percent(50)) {
    append_uint(c.out, hour);
    c.out += 'h';
    append_padded(c.out, minute, 2);
    return;
  }
  append_padded(c.out, hour, 2);
  c.out += ':';
  append_padded(c.out, minute, 2);
}

void render_version(RowContext& c) {
  append_uint(c.out, c.rng.between(1, 15));
  c.out += '.';
  append_uint(c.out, c.rng.below(31));
  c.out += '.';
  append_uint(c.out, c.rng.below(100));
}

void render_ip(RowContext& c) {
  const std::uint32_t roll = c.rng.below(100);
  if (roll < 40) {
    c.out += "192.168.";
    append_uint(c.out, c.rng.percent(70) ? c.rng.below(3) : c.rng.below(256));
  } else if (roll < 65) {
    c.out += "10.";
    append_uint(c.out, c.rng.below(256));
    c.out += '.';
    append_uint(c.out, c.rng.below(256));
  } else if (roll < 75) {
    c.out += "172.";
    append_uint(c.out, c.rng.between(16, 31));
    c.out += '.';
    append_uint(c.out, c.rng.below(256));
  } else {
    std::uint32_t first = c.rng.between(11, 223);
    if (first == 127) first = 128;
    append_uint(c.out, first);
    c.out += '.';
    append_uint(c.out, c.rng.below(256));
    c.out += '.';
    append_uint(c.out, c.rng.below(256));
  }
  c.out += '.';
  append_uint(c.out, c.rng.between(1, 254));
}

void render_slot(RowContext& c, Slot slot) {
  switch (slot) {
    case Slot::date: render_date(c); break;
    case Slot::phone: render_phone(c); break;
    case Slot::email: render_email(c); break;
    case Slot::ticket:
      c.out += "TICKET-";
      append_number(c.out, c.rng, 7);
      break;
    case Slot::card: render_card(c); break;
    case Slot::version: render_version(c); break;
    case Slot::price: render_price(c); break;
    case Slot::time: render_time(c); break;
    case Slot::fraction: c.out += c.rng.pick(kFractions); break;
    case Slot::ip: render_ip(c); break;
    case Slot::order:
      c.out += '#';
      append_number(c.out, c.rng, 9);
      break;
    case Slot::account:
      c.out += "ACC";
      append_number(c.out, c.rng, 10);
      break;
    case Slot::bad_date: render_bad_date(c); break;
    case Slot::name: c.out += c.rng.pick(c.lang.names).display; break;
    case Slot::product: c.out += c.rng.pick(c.lang.products); break;
    case Slot::error: c.out += c.rng.pick(c.lang.errors); break;
  }
}

void render_template(RowContext& c, const Template& t) {
  for (const Piece& p : t.pieces) {
    c.out += p.literal;
    if (p.has_slot) render_slot(c, p.slot);
  }
}

const Template& pick_template(Rng& rng, const Language& lang, Kind kind) {
  const auto& list = lang.templates[static_cast<std::size_t>(kind)];
  return list[rng.below(static_cast<std::uint32_t>(list.size()))];
}

/// After "Hi, " the sentence goes on in lower case ("Hi, my order"), except for the pronoun "I"
/// and after a leading Spanish "¿"/"¡".
void lowercase_after_greeting(std::string& text, std::size_t at) {
  if (at >= text.size()) return;
  if (text.compare(at, 2, "\xC2\xBF") == 0 || text.compare(at, 2, "\xC2\xA1") == 0) at += 2;
  if (at + 1 >= text.size()) return;
  const char c = text[at];
  const char after = text[at + 1];
  if (c >= 'A' && c <= 'Z' && !(c == 'I' && (after == ' ' || after == '\''))) {
    text[at] = static_cast<char>(c - 'A' + 'a');
  }
}

// Timestamps start here and advance kSecondsPerRow per row, with jitter inside each step, so they
// never go backwards and need no state carried from row to row.
constexpr std::int64_t kEpochStart = 1704067200;  // 2024-01-01T00:00:00Z
constexpr std::uint64_t kSecondsPerRow = 13;

constexpr std::uint64_t kTypicalRowBytes = 128;
constexpr std::uint64_t kMaxReserveRows = std::uint64_t{1} << 24;

/// Makes room for `extra` more bytes, growing geometrically so that callers appending chunk after
/// chunk to one string do not pay for a reallocation per call.
void reserve_for(std::string& out, std::uint64_t extra) {
  const std::uint64_t needed = out.size() + extra;
  if (needed <= out.capacity()) return;
  out.reserve(static_cast<std::size_t>(std::max<std::uint64_t>(needed, 2 * out.capacity())));
}

}  // namespace

// -----------------------------------------------------------------------------------------------

UtteranceGenerator::UtteranceGenerator(UtteranceGeneratorOptions options)
    : options_(std::move(options)), key_(mix64(options_.seed ^ 0x5EED5EED5EED5EEDULL)) {
  catalog();  // builds (and checks) the templates now rather than inside the first next()
}

bool UtteranceGenerator::next(std::string& out, std::size_t max_bytes) {
  const std::size_t start = out.size();
  const std::string_view eol = options_.crlf ? "\r\n" : "\n";
  bool produced = false;
  if (!header_done_) {
    if (options_.bom) out += "\xEF\xBB\xBF";
    out += "id,";
    append_csv_field(out, options_.text_column);
    out += ",intent,locale,channel,created_at";
    out += eol;
    header_done_ = true;
    produced = true;
  }
  const std::uint64_t remaining = options_.rows - next_row_ + (pending_.empty() ? 0 : 1);
  if (remaining == 0) return produced;
  reserve_for(out, std::min<std::uint64_t>(
                       std::min<std::uint64_t>(remaining, kMaxReserveRows) * kTypicalRowBytes,
                       static_cast<std::uint64_t>(max_bytes)) +
                       kTypicalRowBytes);

  std::uint64_t rows_this_call = 0;
  if (!pending_.empty()) {
    out += pending_;
    pending_.clear();
    ++rows_this_call;
  }
  while (next_row_ < options_.rows) {
    const std::size_t before = out.size();
    append_row(out, next_row_++);
    if (out.size() - start > max_bytes && rows_this_call > 0) {
      // Keep the record that overflowed for the next call so chunking never changes the bytes.
      pending_.assign(out, before, std::string::npos);
      out.resize(before);
      break;
    }
    ++rows_this_call;
  }
  rows_written_ += rows_this_call;
  return true;
}

void UtteranceGenerator::append_row(std::string& out, std::uint64_t row) {
  const Catalog& cat = catalog();
  Rng rng(mix64(key_ + row * kGolden));
  const Locale& locale = kLocales[pick_weighted(rng, kLocaleWeights)];
  const Language& lang = cat.languages[static_cast<std::size_t>(locale.lang)];

  // Shares of the main sentence: 20% date, 15% phone, 15% email, 10% ticket, 5% card,
  // 30% a distractor, 5% plain.
  Kind kind;
  const std::uint32_t roll = rng.below(1000);
  if (roll < 200) {
    kind = Kind::date;
  } else if (roll < 350) {
    kind = Kind::phone;
  } else if (roll < 500) {
    kind = Kind::email;
  } else if (roll < 600) {
    kind = Kind::ticket;
  } else if (roll < 650) {
    kind = Kind::card;
  } else if (roll < 950) {
    kind = kDistractorKinds[rng.below(static_cast<std::uint32_t>(kDistractorKinds.size()))];
  } else {
    kind = Kind::plain;
  }
  const Template& main = pick_template(rng, lang, kind);
  const std::string_view channel = kChannels[pick_weighted(rng, kChannelWeights)];

  text_.clear();
  RowContext ctx{rng, locale, lang, text_};
  bool lower_next = false;
  if (rng.percent(25)) {
    const std::string_view greeting = rng.pick(lang.greetings);
    text_ += greeting;
    lower_next = greeting.ends_with(", ");
  }
  const std::size_t body = text_.size();
  render_template(ctx, main);
  if (lower_next) lowercase_after_greeting(text_, body);
  if (kind != Kind::plain && rng.percent(12)) {
    text_ += ' ';
    render_template(ctx, pick_template(rng, lang, Kind::extra));
  }
  // About 1 in 500 rows puts its sign-off on a new line, inside the quoted field.
  const bool line_break = rng.below(500) == 0;
  if (line_break || rng.percent(20)) {
    text_ += line_break ? std::string_view(options_.crlf ? "\r\n" : "\n") : std::string_view(" ");
    render_template(ctx, pick_template(rng, lang, Kind::closing));
  }
  if (rng.percent(3)) {
    text_ += ' ';
    text_ += rng.pick(kEmoji);
  }

  append_uint(out, row + 1);
  out += ',';
  append_csv_field(out, text_);
  // The fixed columns are assembled on the stack and appended at once: intent, locale tag,
  // channel, a 20-byte timestamp, four separators and at most two bytes of line ending.
  char tail[kMaxIntentBytes + 2 * kMaxTagBytes + 20 + 4 + 2];
  char* p = tail;
  auto put = [&p](std::string_view s) {
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  };
  put(",");
  put(main.intent);
  put(",");
  put(locale.tag);
  put(",");
  put(channel);
  put(",");
  p = write_timestamp(p, row, rng.below(static_cast<std::uint32_t>(kSecondsPerRow)));
  put(options_.crlf ? "\r\n" : "\n");
  out.append(tail, static_cast<std::size_t>(p - tail));
}

char* UtteranceGenerator::write_timestamp(char* dst, std::uint64_t row, std::uint64_t jitter) {
  const std::int64_t t = kEpochStart + static_cast<std::int64_t>(row * kSecondsPerRow + jitter);
  const std::int64_t day = t / 86400;
  const std::int64_t second_of_day = t % 86400;
  if (day != cached_day_) {
    // The calendar conversion runs once per simulated day, not per row.
    const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day}}};
    write_padded(cached_date_, static_cast<std::uint64_t>(static_cast<int>(ymd.year())), 4);
    cached_date_[4] = '-';
    write_padded(cached_date_ + 5, static_cast<unsigned>(ymd.month()), 2);
    cached_date_[7] = '-';
    write_padded(cached_date_ + 8, static_cast<unsigned>(ymd.day()), 2);
    cached_day_ = day;
  }
  char* buf = dst;
  std::memcpy(buf, cached_date_, 10);
  buf[10] = 'T';
  write_padded(buf + 11, static_cast<std::uint64_t>(second_of_day / 3600), 2);
  buf[13] = ':';
  write_padded(buf + 14, static_cast<std::uint64_t>(second_of_day / 60 % 60), 2);
  buf[16] = ':';
  write_padded(buf + 17, static_cast<std::uint64_t>(second_of_day % 60), 2);
  buf[19] = 'Z';
  return dst + 20;
}

std::string generate_utterance_export(const UtteranceGeneratorOptions& options) {
  UtteranceGenerator generator(options);
  std::string out;
  while (generator.next(out, std::size_t{1} << 20)) {
  }
  return out;
}

Status write_utterance_export(const std::string& path, const UtteranceGeneratorOptions& options) {
  const std::string context = "writing utterance export";
  auto file = DurableFile::create(path);
  if (!file.ok()) return file.status().with_context(context);
  try {
    UtteranceGenerator generator(options);
    std::string chunk;
    constexpr std::size_t kChunkBytes = std::size_t{256} << 10;
    while (generator.next(chunk, kChunkBytes)) {
      file->write(chunk);
      chunk.clear();
    }
  } catch (const Error& error) {
    file->discard();
    return error.status().with_context(context);
  }
  return file->commit().with_context(context);
}

}  // namespace sluice::nodes
