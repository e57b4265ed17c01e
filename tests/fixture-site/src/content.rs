//! The shop's pages: Alpine Trail Outfitters, an outdoor-gear shop in Innsbruck. Every fact
//! a test or the eval asks about lives on exactly one page, so "the expected page" is
//! unambiguous.

use serde_json::{json, Value};

/// One HTML page of the site.
#[derive(Debug, Clone)]
pub(crate) struct Page {
    pub(crate) path: String,
    pub(crate) title: String,
    /// The main content (inside `<main>`).
    pub(crate) main: String,
    /// JSON-LD documents for the head.
    pub(crate) jsonld: Vec<Value>,
}

fn page(path: &str, title: &str, main: &str) -> Page {
    Page {
        path: path.into(),
        title: title.into(),
        main: main.into(),
        jsonld: Vec::new(),
    }
}

/// The return policy every product offer points at.
fn return_policy() -> Value {
    json!({"@type": "MerchantReturnPolicy", "applicableCountry": "AT",
      "returnPolicyCategory": "https://schema.org/MerchantReturnFiniteReturnWindow",
      "merchantReturnDays": 30, "returnMethod": "https://schema.org/ReturnByMail",
      "returnFees": "https://schema.org/FreeReturn"})
}

fn shipping_details() -> Value {
    json!({"@type": "OfferShippingDetails",
      "shippingRate": {"@type": "MonetaryAmount", "value": "4.95", "currency": "EUR"},
      "shippingDestination": {"@type": "DefinedRegion", "addressCountry": "AT"},
      "deliveryTime": {"@type": "ShippingDeliveryTime",
        "handlingTime": {"@type": "QuantitativeValue", "minValue": 0, "maxValue": 1, "unitCode": "DAY"},
        "transitTime": {"@type": "QuantitativeValue", "minValue": 3, "maxValue": 5, "unitCode": "DAY"}}})
}

/// (slug, name, category, price, description, features)
type Product = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

const PRODUCTS: &[Product] = &[
    ("summit-pro-shell-jacket", "Summit Pro Shell Jacket", "Jackets", "349.00", "A three-layer Gore-Tex Pro hardshell for alpine climbing, with a helmet-compatible hood.", &["Gore-Tex Pro 3L membrane", "Pit zips for ventilation", "Weighs 420 g in size M"]),
    ("valley-rain-jacket", "Valley Rain Jacket", "Jackets", "159.00", "A light 2.5-layer rain jacket that packs into its own chest pocket for day hikes.", &["Packs into its chest pocket", "Fully taped seams", "Weighs 240 g"]),
    ("glacier-down-parka", "Glacier Down Parka", "Jackets", "429.00", "An 800-fill responsibly sourced goose down parka for winter cities and cold belays.", &["800 fill power RDS down", "Warm to minus 25 degrees", "Two-way front zip"]),
    ("ridge-fleece-hoodie", "Ridge Fleece Hoodie", "Midlayers", "89.00", "A grid fleece hoodie made from recycled polyester that breathes on steep climbs.", &["Grid fleece from recycled polyester", "Thumb loops", "Slim athletic fit"]),
    ("thermo-synthetic-vest", "Thermo Synthetic Vest", "Midlayers", "119.00", "A synthetic insulated vest that stays warm when wet, for shoulder seasons.", &["PrimaLoft Gold insulation", "Stays warm when wet", "Packs into a pocket"]),
    ("merino-150-base-tee", "Merino 150 Base Tee", "Base layers", "69.00", "A featherweight merino wool t-shirt that does not smell after days on the trail.", &["100 percent merino wool, 150 g/m2", "Flatlock seams", "Odour resistant"]),
    ("merino-250-leggings", "Merino 250 Leggings", "Base layers", "85.00", "Warm merino leggings for ski touring and winter camping.", &["Merino wool 250 g/m2", "Gusseted crotch", "Warm in deep winter"]),
    ("trail-runner-x-shoes", "Trail Runner X Shoes", "Footwear", "149.00", "A grippy trail running shoe with a Vibram Megagrip outsole and a rock plate.", &["Vibram Megagrip outsole", "6 mm drop", "Rock plate in the forefoot"]),
    ("alpine-gtx-boots", "Alpine GTX Boots", "Footwear", "279.00", "A crampon-compatible leather mountaineering boot with a Gore-Tex lining.", &["Compatible with semi-automatic crampons", "Full-grain leather", "Gore-Tex lining"]),
    ("hut-slippers", "Hut Slippers", "Footwear", "39.00", "Light down booties for mountain huts and campsites.", &["Down filled", "Non-slip sole", "Packs to the size of a fist"]),
    ("trek-45-backpack", "Trek 45 Backpack", "Backpacks", "189.00", "A 45-litre trekking backpack with an adjustable back length for hut-to-hut tours.", &["45 litres", "Adjustable back system", "Integrated rain cover"]),
    ("daypack-22", "Daypack 22", "Backpacks", "99.00", "A 22-litre day pack with a mesh back panel and a hydration sleeve.", &["22 litres", "Mesh back panel", "Hydration sleeve for a 3-litre bladder"]),
    ("expedition-70-pack", "Expedition 70 Pack", "Backpacks", "299.00", "A 70-litre expedition pack that carries up to 25 kg comfortably.", &["70 litres", "Carries up to 25 kg", "Removable lid becomes a summit bag"]),
    ("kids-explorer-pack", "Kids Explorer Pack", "Backpacks", "49.00", "A 12-litre backpack for children from 5 years with a whistle on the chest strap.", &["12 litres", "For children from 5 years", "Whistle on the chest strap"]),
    ("basecamp-2-tent", "Basecamp 2 Tent", "Tents", "399.00", "A two-person, four-season tent that stands up to storms above the tree line.", &["Two persons", "Four-season design", "Weighs 2.9 kg"]),
    ("ultralight-1-tent", "Ultralight 1 Tent", "Tents", "349.00", "A one-person trekking-pole tent that weighs only 790 grams.", &["One person", "Pitched with trekking poles", "Weighs 790 g"]),
    ("family-4-tent", "Family 4 Tent", "Tents", "459.00", "A four-person tunnel tent with a large vestibule for family camping.", &["Four persons", "Large vestibule", "Standing height 190 cm"]),
    ("down-sleeping-bag-minus-10", "Down Sleeping Bag -10", "Sleeping", "379.00", "A mummy down sleeping bag with a comfort rating of minus 4 and a limit of minus 10 degrees.", &["Comfort minus 4, limit minus 10 degrees", "Weighs 1.1 kg", "Left or right zip"]),
    ("summer-sleeping-bag", "Summer Sleeping Bag", "Sleeping", "129.00", "A synthetic summer sleeping bag for nights above 10 degrees.", &["Comfort 10 degrees", "Machine washable", "Weighs 700 g"]),
    ("insulated-sleeping-mat", "Insulated Sleeping Mat", "Sleeping", "149.00", "An inflatable mat with an R-value of 4.5 for three-season camping.", &["R-value 4.5", "7 cm thick", "Pump sack included"]),
    ("carbon-trekking-poles", "Carbon Trekking Poles", "Accessories", "129.00", "Foldable carbon trekking poles weighing 380 grams per pair.", &["Carbon shafts", "380 g per pair", "Fold to 38 cm"]),
    ("headlamp-400", "Headlamp 400", "Accessories", "59.00", "A rechargeable 400-lumen headlamp with a red light mode.", &["400 lumens", "USB-C rechargeable", "Red light mode"]),
    ("water-filter-bottle", "Water Filter Bottle", "Accessories", "45.00", "A soft bottle with a hollow-fibre filter that removes 99.9999 percent of bacteria.", &["Filters 1,500 litres", "Removes bacteria and protozoa", "Soft 600 ml flask"]),
    ("titanium-stove", "Titanium Stove", "Cooking", "79.00", "A 45-gram titanium gas stove that boils a litre of water in three and a half minutes.", &["Weighs 45 g", "Boils 1 litre in 3.5 minutes", "Fits gas cartridges with a screw thread"]),
    ("cook-set-duo", "Cook Set Duo", "Cooking", "69.00", "A nesting aluminium pot set for two with a folding handle.", &["Two pots and a lid", "Hard-anodised aluminium", "Fits a 230 g gas cartridge inside"]),
    ("via-ferrata-set", "Via Ferrata Set", "Climbing", "139.00", "A via ferrata lanyard set with an energy absorber certified to EN 958.", &["EN 958:2017 certified", "For climbers from 40 to 120 kg", "Swivel prevents twisting"]),
    ("climbing-helmet", "Climbing Helmet", "Climbing", "89.00", "A hybrid climbing helmet weighing 230 grams with a headlamp clip.", &["Weighs 230 g", "Headlamp clips", "EN 12492 certified"]),
    ("avalanche-transceiver", "Avalanche Transceiver", "Winter", "329.00", "A three-antenna avalanche transceiver with a 60-metre search range.", &["Three antennas", "60 m range", "Group check function"]),
    ("touring-skins", "Touring Skins", "Winter", "169.00", "Mohair mix climbing skins cut to fit, for ski touring.", &["70 percent mohair, 30 percent nylon", "Cut to fit any ski", "Glue re-coating service"]),
    ("snowshoes-trail", "Trail Snowshoes", "Winter", "189.00", "Light aluminium snowshoes with a heel riser for steep snowy climbs.", &["Heel riser", "Aluminium frame", "For walkers up to 120 kg"]),
];

/// (slug, title, body paragraphs with `## ` headings)
const POSTS: &[(&str, &str, &str)] = &[
    ("choosing-a-hiking-backpack", "How to choose a hiking backpack", "## Volume\nFor day hikes 20 to 30 litres is enough; hut-to-hut treks need 35 to 45 litres.\n## Fit\nMeasure your back length from the C7 vertebra to the hip bones and choose a pack whose back system adjusts to it."),
    ("layering-for-winter-hiking", "Layering for winter hiking", "## The three layers\nWear a merino base layer to move sweat, a fleece or synthetic midlayer for warmth and a shell to block wind and snow.\n## Avoid cotton\nCotton stays wet and cold, so leave the jeans at home."),
    ("waterproofing-boots", "How to waterproof leather boots", "## Clean first\nBrush off mud and wash the boots with lukewarm water.\n## Wax\nApply a beeswax-based leather wax while the leather is still slightly damp and let it dry at room temperature, never next to a heater."),
    ("first-via-ferrata", "Your first via ferrata", "## What you need\nA via ferrata set, a climbing helmet and gloves.\n## Choosing a route\nStart with a route graded A or B and go with a guide if you have never clipped in before."),
    ("hut-to-hut-packing-list", "Packing list for a hut-to-hut trek", "## Sleeping\nMost huts require a sleeping bag liner; you do not need a sleeping bag.\n## Weight\nKeep your pack under eight kilograms including water."),
    ("sleeping-bag-temperature-ratings", "Sleeping bag temperature ratings explained", "## Comfort and limit\nThe comfort rating is the temperature at which a standard woman sleeps comfortably; the limit rating is for a standard man curled up.\n## Choosing\nPick a bag whose comfort rating is a few degrees below the coldest night you expect."),
    ("trail-running-vs-hiking-shoes", "Trail running shoes or hiking shoes?", "## Trail running shoes\nLighter and more flexible, ideal for fast hikes on good trails.\n## Hiking shoes\nStiffer soles protect your feet on scree and with heavy packs."),
    ("pitching-a-tent-in-wind", "How to pitch a tent in strong wind", "## Orientation\nPoint the narrow end of the tent into the wind.\n## Guy lines\nStake the windward side first and use every guy line."),
    ("avalanche-safety-basics", "Avalanche safety basics", "## Equipment\nAlways carry a transceiver, a shovel and a probe, and practise searching with them.\n## Check the bulletin\nRead the regional avalanche bulletin every morning before a ski tour."),
    ("caring-for-merino", "Caring for merino wool", "## Washing\nWash merino on a wool cycle at 30 degrees with a wool detergent.\n## Drying\nDry it flat; never put merino in the tumble dryer."),
    ("best-hikes-around-innsbruck", "The best hikes around Innsbruck", "## Nordkette\nTake the cable car to Seegrube and hike the Goetheweg for views over the Inn valley.\n## Patscherkofel\nThe Zirbenweg is an easy panoramic trail through Swiss stone pines."),
    ("hydration-on-long-hikes", "Hydration on long hikes", "## How much\nPlan half a litre of water per hour of hiking in summer heat.\n## Electrolytes\nAdd electrolyte tablets on hikes longer than four hours."),
    ("fitting-trekking-poles", "How to adjust trekking poles", "## Length\nWith the tip on the ground your elbow should form a right angle.\n## Uphill and downhill\nShorten the poles by five centimetres going uphill and lengthen them going downhill."),
    ("hiking-with-kids", "Hiking with kids", "## Keep it short\nPlan one hour of walking per year of age up to about six hours.\n## Make it a game\nBring a map and let the children lead the way to the next signpost."),
    ("repair-report-2026", "Our 2026 repair report", "## Numbers\nOur workshop repaired 3,214 items this year, most of them broken zips.\n## Why repair\nA repaired jacket has a far smaller footprint than a new one."),
];

fn paragraphs(text: &str) -> String {
    text.lines()
        .map(|line| match line.strip_prefix("## ") {
            Some(h) => format!("<h2>{h}</h2>"),
            None => format!("<p>{line}</p>"),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every page of the site, by path.
pub(crate) fn pages() -> Vec<Page> {
    let mut out = Vec::new();
    let mut home = page("/", "Alpine Trail Outfitters — outdoor gear from Innsbruck", "<h1>Gear for the mountains, since 2009</h1><p>Alpine Trail Outfitters sells hiking, climbing and ski touring gear from our workshop in Innsbruck.</p><p>New this season: the <a href=\"/products/summit-pro-shell-jacket\">Summit Pro Shell Jacket</a>. Read our <a href=\"/blog\">blog</a> or see <a href=\"/events?year=2026&amp;month=12&amp;view=list\">events</a>.</p>");
    home.jsonld.push(json!({"@context": "https://schema.org", "@type": "Organization", "name": "Alpine Trail Outfitters",
        "description": "Outdoor gear shop in Innsbruck, Austria.", "email": "help@alpinetrail.example", "telephone": "+43 512 123456",
        "url": "https://alpinetrail.example",
        "address": {"@type": "PostalAddress", "streetAddress": "Maria-Theresien-Strasse 12", "postalCode": "6020", "addressLocality": "Innsbruck", "addressCountry": "AT"}}));
    out.push(home);

    out.push(page("/policies/shipping", "Shipping policy", "<h1>Shipping policy</h1><p>Standard shipping within Austria and Germany costs 4.95 EUR and takes 3 to 5 business days. Orders over 60 EUR ship free.</p><h2>Express delivery</h2><p>Express shipping costs 12.90 EUR and arrives the next business day if you order before 2 pm.</p><h2>International shipping</h2><p>We ship to every EU country for 9.90 EUR in 5 to 8 business days. Shipping to the United Kingdom and Switzerland costs 14.90 EUR; customs duties and import taxes are paid by the recipient.</p><p>We do not ship outside Europe.</p><h2>Tracking</h2><p>Every parcel leaves our warehouse in Innsbruck with a tracking number, which we email as soon as it ships. We cannot deliver to PO boxes or parcel lockers.</p>"));
    let mut returns = page("/policies/returns", "Returns and refunds", "<h1>Returns and refunds</h1><p>You can return unworn items with their tags within 30 days of delivery.</p><h2>How to return</h2><p>Print a free prepaid return label from our returns portal; returns from the EU are free of charge.</p><h2>Refunds</h2><p>We refund to the original payment method within 5 business days after your return arrives at our warehouse.</p><h2>Exchanges</h2><p>Exchanging for a different size is free; we send the new size as soon as we receive the original.</p><h2>Final sale</h2><p>Items bought at more than 50 percent off are final sale and cannot be returned.</p>");
    returns.jsonld.push(json!({"@context": "https://schema.org", "@type": "MerchantReturnPolicy", "returnPolicyCategory": "https://schema.org/MerchantReturnFiniteReturnWindow", "merchantReturnDays": 30, "returnFees": "https://schema.org/FreeReturn", "applicableCountry": "AT"}));
    out.push(returns);
    out.push(page("/policies/privacy", "Privacy policy", "<h1>Privacy policy</h1><p>Alpine Trail Outfitters GmbH is the data controller for your personal data.</p><h2>Your rights</h2><p>To have your personal data deleted or to get a copy of it, write to privacy@alpinetrail.example; we answer within 30 days.</p><h2>Newsletter</h2><p>You can unsubscribe from the newsletter at any time with the link at the bottom of every email.</p><h2>Retention</h2><p>We keep invoices for seven years because Austrian tax law requires it.</p>"));
    out.push(page("/policies/terms", "Terms and conditions", "<h1>Terms and conditions</h1><p>All prices include Austrian VAT. The contract is concluded in German or English.</p><h2>Governing law</h2><p>These terms are governed by Austrian law; the courts of Innsbruck have jurisdiction.</p><h2>Right of withdrawal</h2><p>Consumers have a statutory 14-day right of withdrawal in addition to our 30-day return policy.</p>"));
    out.push(page("/policies/warranty", "Warranty", "<h1>Warranty</h1><p>Every product has the two-year legal guarantee.</p><h2>Backpack warranty</h2><p>Our own backpacks carry a five-year warranty against defects in materials and workmanship.</p><h2>Tent poles</h2><p>We repair broken tent poles of our tents free of charge for life.</p>"));
    out.push(page("/payment", "Payment methods", "<h1>Payment methods</h1><p>We accept Visa, Mastercard, American Express, PayPal, Apple Pay and Google Pay.</p><h2>Pay later</h2><p>With Klarna you can pay within 30 days of delivery at no extra cost.</p><h2>Not accepted</h2><p>We do not offer cash on delivery. Business customers can pay by invoice after approval.</p>"));
    let faq = [
        ("How do I track my order?", "Use the tracking number in your shipping confirmation email, or log in and open Orders."),
        ("Can I change or cancel my order?", "You can change or cancel an order within one hour of placing it by calling customer service."),
        ("Do you offer gift wrapping?", "Yes, gift wrapping costs 3.50 EUR and includes a handwritten card."),
        ("Do you match prices?", "We do not price match, but we run sales in January and July."),
        ("Is there a student discount?", "Students get 10 percent off with a valid UNiDAYS verification."),
        ("Why is my discount code not working?", "Discount codes cannot be combined and do not apply to gift cards or sale items."),
        ("Can I pre-order products?", "Pre-orders are charged when the product ships, usually within six weeks."),
        ("Can I be notified when a size is back in stock?", "Yes, choose your size and click Notify me; we email you once it is back."),
    ];
    let mut faq_page = page(
        "/faq",
        "Frequently asked questions",
        &format!(
            "<h1>Frequently asked questions</h1>{}",
            faq.iter()
                .map(|(q, a)| format!("<h2>{q}</h2><p>{a}</p>"))
                .collect::<String>()
        ),
    );
    faq_page.jsonld.push(json!({"@context": "https://schema.org", "@type": "FAQPage", "mainEntity": faq.iter().map(|(q, a)| json!({"@type": "Question", "name": q, "acceptedAnswer": {"@type": "Answer", "text": a}})).collect::<Vec<_>>()}));
    out.push(faq_page);
    for (path, title, main) in [
        ("/about", "About us", "<h1>About us</h1><p>Alpine Trail Outfitters was founded in 2009 by the mountain guides Lena and Markus Hofer. Today 40 people work in our shop, workshop and warehouse in Innsbruck.</p>"),
        ("/contact", "Contact", "<h1>Contact</h1><p>Email help@alpinetrail.example or call +43 512 123456.</p><h2>Opening hours of customer service</h2><p>Customer service answers Monday to Friday from 9 am to 5 pm Central European Time.</p>"),
        ("/stores", "Our stores", "<h1>Our stores</h1><h2>Innsbruck flagship</h2><p>Maria-Theresien-Strasse 12, open Monday to Saturday from 10 am to 7 pm.</p><h2>Munich</h2><p>Sendlinger Strasse 40, open Monday to Saturday from 10 am to 8 pm.</p><h2>Click and collect</h2><p>Click and collect is free; your order is ready for pickup in two hours.</p>"),
        ("/size-guide", "Size guide", "<h1>Size guide</h1><h2>Jackets</h2><table><tr><th>Size</th><th>Chest</th></tr><tr><td>S</td><td>92 to 96 cm</td></tr><tr><td>M</td><td>97 to 102 cm</td></tr><tr><td>L</td><td>103 to 108 cm</td></tr></table><h2>Boots</h2><p>Boots use EU sizes; for hiking boots we recommend half a size larger than your street shoes.</p>"),
        ("/gift-cards", "Gift cards", "<h1>Gift cards</h1><p>Gift cards from 25 to 500 EUR are delivered by email and are valid for three years. They cannot be exchanged for cash.</p>"),
        ("/care-guide", "Care guide", "<h1>Care guide</h1><h2>Waterproof jackets</h2><p>Wash Gore-Tex jackets at 40 degrees without fabric softener, then tumble dry on low heat to reactivate the water-repellent finish.</p><h2>Down</h2><p>Wash down jackets with a special down wash and dry them with tennis balls.</p>"),
        ("/sustainability", "Sustainability", "<h1>Sustainability</h1><p>70 percent of our own-brand fabrics are recycled polyester or bluesign approved.</p><h2>Packaging</h2><p>Our parcels have been plastic-free since 2021, packed in recycled cardboard.</p>"),
        ("/careers", "Careers", "<h1>Careers</h1><p>We are hiring a repair technician and a store associate in Munich. Send your application to jobs@alpinetrail.example.</p>"),
        ("/loyalty", "Summit Club loyalty programme", "<h1>Summit Club</h1><p>Join the Summit Club for free and earn one point per euro spent. 500 points become a 10 EUR voucher.</p><h2>Birthday</h2><p>Members earn double points in their birthday month.</p>"),
        ("/rental", "Gear rental", "<h1>Gear rental</h1><p>Rent tents for 15 EUR per day and avalanche kits for 20 EUR per day at the Innsbruck store. A deposit of 100 EUR is required.</p>"),
        ("/repairs", "Repair service", "<h1>Repair service</h1><p>Our workshop replaces zips from 25 EUR and patches tears from 15 EUR. Repairs take about three weeks.</p>"),
        ("/newsletter", "Newsletter", "<h1>Newsletter</h1><p>Subscribe to the newsletter and get 10 percent off your first order.</p>"),
        ("/corporate", "Team and corporate orders", "<h1>Team and corporate orders</h1><p>We embroider logos on jackets and fleeces for clubs and companies from a minimum of 10 pieces.</p>"),
        ("/events", "Events", "<h1>Events</h1><p>Join our free avalanche course every first Saturday in December and January.</p><p><a href=\"/events?year=2026&amp;month=12&amp;view=list\">December</a> <a href=\"/events?year=2027&amp;month=1&amp;view=list\">January</a></p>"),
    ] {
        out.push(page(path, title, main));
    }
    let mut blog = String::from("<h1>Blog</h1><ul>");
    for (slug, title, _) in POSTS {
        blog.push_str(&format!("<li><a href=\"/blog/{slug}\">{title}</a></li>"));
    }
    blog.push_str("</ul>");
    out.push(page("/blog", "Blog", &blog));
    for (slug, title, body) in POSTS {
        out.push(page(
            &format!("/blog/{slug}"),
            title,
            &format!("<article><h1>{title}</h1>{}</article>", paragraphs(body)),
        ));
    }
    for (slug, name, category, price, description, features) in PRODUCTS {
        let list: String = features.iter().map(|f| format!("<li>{f}</li>")).collect();
        let mut p = page(
            &format!("/products/{slug}"),
            name,
            &format!("<h1>{name}</h1><p class=\"price\">{price} EUR</p><p>{description}</p><h2>Features</h2><ul>{list}</ul><p>Category: <a href=\"/blog\">{category}</a></p>"),
        );
        p.jsonld.push(json!({"@context": "https://schema.org", "@type": "Product", "name": name, "description": description,
            "sku": slug.to_uppercase(), "brand": {"@type": "Brand", "name": "Alpine Trail"},
            "offers": {"@type": "Offer", "price": price, "priceCurrency": "EUR", "availability": "https://schema.org/InStock",
              "hasMerchantReturnPolicy": return_policy(), "shippingDetails": shipping_details()}}));
        out.push(p);
    }
    out.push(page(
        "/account/orders",
        "Your orders",
        "<h1>Your orders</h1><p>Order 1001 for Jane Example, Secret Lane 1.</p>",
    ));
    out.push(page(
        "/account/",
        "Your account",
        "<h1>Your account</h1><p>Private account page.</p>",
    ));
    out
}

/// The paths each sitemap lists (the products are split over two nested sitemaps).
pub(crate) fn product_paths() -> Vec<String> {
    PRODUCTS
        .iter()
        .map(|p| format!("/products/{}", p.0))
        .collect()
}

/// Blog post paths.
pub(crate) fn blog_paths() -> Vec<String> {
    let mut paths = vec!["/blog".to_string()];
    paths.extend(POSTS.iter().map(|p| format!("/blog/{}", p.0)));
    paths
}

/// Wraps a page's main content in the shop's chrome: header and navigation, cookie banner,
/// footer and scripts — everything the crawler must strip.
pub(crate) fn render(page: &Page) -> String {
    let jsonld: String = page
        .jsonld
        .iter()
        .map(|doc| format!("<script type=\"application/ld+json\">{doc}</script>"))
        .collect();
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width">
<link rel="stylesheet" href="/assets/site.css"><style>.banner{{position:fixed}}</style>
<script>window.dataLayer=[];function gtag(){{dataLayer.push(arguments)}}gtag('config','NAV-TRACKING');</script>
{jsonld}</head>
<body>
<header class="site-header"><a href="/" class="logo">Alpine Trail Outfitters</a>
<nav><a href="/products/summit-pro-shell-jacket">Jackets</a> <a href="/blog">Blog</a> <a href="/faq">Help centre</a> <a href="/account/">My account</a> <a href="/stores">Stores</a> <a href="/loop-a">Deals</a></nav>
<form action="/search"><input name="q" placeholder="Search the shop"><button>Search</button></form></header>
<div id="cookie-banner" class="banner">We use cookies to improve your experience. <button>Accept all cookies</button></div>
<main>{main}</main>
<footer><p>Newsletter sign-up, social links and legal notice.</p>
<a href="/policies/shipping">Shipping</a> <a href="/policies/returns">Returns</a> <a href="/policies/privacy">Privacy</a> <a href="/policies/terms">Terms</a> <a href="/contact">Contact</a> <a href="/about">About</a>
<p>© 2026 Alpine Trail Outfitters GmbH</p></footer>
<script src="/assets/app.js"></script><script>console.log("footer tracking pixel")</script>
</body></html>"#,
        title = page.title,
        main = page.main,
    )
}
