//! The vocabulary the generator draws from: categories, attributes, brands, models, colours,
//! and the four hand-written best sellers the demo storefront always showed.
//!
//! Owns: words and their facts (which attributes a category can have, which exclude each other).
//! Must not depend on: anything else in the crate.
//!
//! Rule that keeps the eval honest: an attribute word appears in a product's text only when the
//! product has that attribute (openers, closers and nouns use none of them).

/// How a category is sized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sizing {
    /// S–XXL (kids: 4Y–12Y).
    Clothing,
    /// EU 36–47 (kids: EU 28–35), a run of consecutive sizes per product.
    Shoes,
    /// One named option with fixed values (Socks' Size, Tents' Capacity, …).
    Fixed(&'static str, &'static [&'static str]),
    /// One size: Colour is the only option.
    None,
}

/// One category of the shop.
#[derive(Debug)]
pub struct CategorySpec {
    /// "Jackets" (Shopify product_type, Woo category, Merchant product_type).
    pub name: &'static str,
    /// "jacket": what a shopper types for one.
    pub singular: &'static str,
    /// Title nouns.
    pub nouns: &'static [&'static str],
    /// Attributes products of this category can have.
    pub attributes: &'static [&'static str],
    /// Options.
    pub sizing: Sizing,
    /// Price range in whole euros.
    pub price_euros: (u64, u64),
    /// Men's/Women's/Kids' versions exist.
    pub gendered: bool,
    /// Relative share of the catalog.
    pub weight: u64,
    /// Google product category.
    pub google: &'static str,
}

/// S–XXL.
pub const CLOTHING_SIZES: &[&str] = &["S", "M", "L", "XL", "XXL"];
/// Kids' clothing sizes.
pub const KIDS_SIZES: &[&str] = &["4Y", "6Y", "8Y", "10Y", "12Y"];

/// Every category.
pub const CATEGORIES: &[CategorySpec] = &[
    CategorySpec {
        name: "Jackets",
        singular: "jacket",
        nouns: &[
            "Jacket",
            "Shell Jacket",
            "Parka",
            "Anorak",
            "Softshell Jacket",
        ],
        attributes: &[
            "waterproof",
            "insulated",
            "windproof",
            "packable",
            "recycled",
            "vegan",
            "breathable",
            "reflective",
        ],
        sizing: Sizing::Clothing,
        price_euros: (89, 349),
        gendered: true,
        weight: 14,
        google: "Apparel & Accessories > Clothing > Outerwear > Coats & Jackets",
    },
    CategorySpec {
        name: "Boots",
        singular: "boot",
        nouns: &["Hiking Boots", "Boots", "Trail Boots", "Chelsea Boots"],
        attributes: &[
            "waterproof",
            "leather",
            "vegan",
            "insulated",
            "breathable",
            "lightweight",
        ],
        sizing: Sizing::Shoes,
        price_euros: (79, 259),
        gendered: true,
        weight: 10,
        google: "Apparel & Accessories > Shoes",
    },
    CategorySpec {
        name: "Sneakers",
        singular: "sneaker",
        nouns: &["Sneakers", "Trainers", "Running Shoes", "Trail Runners"],
        attributes: &[
            "vegan",
            "leather",
            "breathable",
            "recycled",
            "lightweight",
            "reflective",
        ],
        sizing: Sizing::Shoes,
        price_euros: (59, 179),
        gendered: true,
        weight: 10,
        google: "Apparel & Accessories > Shoes",
    },
    CategorySpec {
        name: "Shirts",
        singular: "shirt",
        nouns: &["Shirt", "T-Shirt", "Flannel Shirt", "Polo Shirt"],
        attributes: &[
            "merino",
            "organic",
            "quick-dry",
            "breathable",
            "stretch",
            "recycled",
        ],
        sizing: Sizing::Clothing,
        price_euros: (25, 109),
        gendered: true,
        weight: 12,
        google: "Apparel & Accessories > Clothing > Shirts & Tops",
    },
    CategorySpec {
        name: "Trousers",
        singular: "trousers",
        nouns: &["Trousers", "Hiking Pants", "Chinos", "Cargo Trousers"],
        attributes: &[
            "waterproof",
            "stretch",
            "quick-dry",
            "insulated",
            "windproof",
            "organic",
        ],
        sizing: Sizing::Clothing,
        price_euros: (49, 189),
        gendered: true,
        weight: 9,
        google: "Apparel & Accessories > Clothing > Pants",
    },
    CategorySpec {
        name: "Shorts",
        singular: "shorts",
        nouns: &["Shorts", "Hiking Shorts", "Running Shorts"],
        attributes: &["quick-dry", "stretch", "recycled", "lightweight", "organic"],
        sizing: Sizing::Clothing,
        price_euros: (29, 89),
        gendered: true,
        weight: 6,
        google: "Apparel & Accessories > Clothing > Shorts",
    },
    CategorySpec {
        name: "Fleeces",
        singular: "fleece",
        nouns: &["Fleece", "Fleece Jacket", "Half-Zip Fleece"],
        attributes: &["recycled", "windproof", "lightweight", "packable"],
        sizing: Sizing::Clothing,
        price_euros: (49, 149),
        gendered: true,
        weight: 7,
        google: "Apparel & Accessories > Clothing > Activewear",
    },
    CategorySpec {
        name: "Base Layers",
        singular: "base layer",
        nouns: &["Base Layer Top", "Base Layer Leggings", "Thermal Top"],
        attributes: &[
            "merino",
            "quick-dry",
            "breathable",
            "lightweight",
            "recycled",
        ],
        sizing: Sizing::Clothing,
        price_euros: (35, 119),
        gendered: true,
        weight: 6,
        google: "Apparel & Accessories > Clothing > Underwear & Socks > Long Johns",
    },
    CategorySpec {
        name: "Socks",
        singular: "socks",
        nouns: &["Hiking Socks", "Socks", "Trail Socks"],
        attributes: &["merino", "breathable", "recycled", "cushioned"],
        sizing: Sizing::Fixed("Size", &["36-38", "39-42", "43-46"]),
        price_euros: (12, 29),
        gendered: false,
        weight: 5,
        google: "Apparel & Accessories > Clothing > Underwear & Socks > Socks",
    },
    CategorySpec {
        name: "Hats",
        singular: "hat",
        nouns: &["Beanie", "Cap", "Sun Hat", "Bucket Hat"],
        attributes: &[
            "merino",
            "insulated",
            "waterproof",
            "reflective",
            "recycled",
        ],
        sizing: Sizing::None,
        price_euros: (15, 49),
        gendered: false,
        weight: 5,
        google: "Apparel & Accessories > Clothing Accessories > Hats",
    },
    CategorySpec {
        name: "Gloves",
        singular: "gloves",
        nouns: &["Gloves", "Mittens", "Liner Gloves"],
        attributes: &[
            "waterproof",
            "insulated",
            "leather",
            "windproof",
            "touchscreen",
        ],
        sizing: Sizing::Clothing,
        price_euros: (19, 89),
        gendered: true,
        weight: 4,
        google: "Apparel & Accessories > Clothing Accessories > Gloves & Mittens",
    },
    CategorySpec {
        name: "Backpacks",
        singular: "backpack",
        nouns: &["Backpack", "Daypack", "20 L Pack", "30 L Pack", "45 L Pack"],
        attributes: &[
            "waterproof",
            "recycled",
            "ultralight",
            "leather",
            "reflective",
        ],
        sizing: Sizing::None,
        price_euros: (39, 229),
        gendered: false,
        weight: 6,
        google: "Luggage & Bags > Backpacks",
    },
    CategorySpec {
        name: "Tents",
        singular: "tent",
        nouns: &["Tent", "Dome Tent", "Tunnel Tent"],
        attributes: &["waterproof", "ultralight", "freestanding", "recycled"],
        sizing: Sizing::Fixed("Capacity", &["1-person", "2-person", "3-person"]),
        price_euros: (129, 699),
        gendered: false,
        weight: 3,
        google: "Sporting Goods > Outdoor Recreation > Camping & Hiking > Tents",
    },
    CategorySpec {
        name: "Sleeping Bags",
        singular: "sleeping bag",
        nouns: &["Sleeping Bag", "Mummy Bag"],
        attributes: &["insulated", "ultralight", "packable", "recycled", "vegan"],
        sizing: Sizing::Fixed("Length", &["Regular", "Long"]),
        price_euros: (79, 399),
        gendered: false,
        weight: 3,
        google: "Sporting Goods > Outdoor Recreation > Camping & Hiking > Sleeping Bags",
    },
];

/// The category spec by name (panics on a typo in this file only).
pub fn category(name: &str) -> &'static CategorySpec {
    CATEGORIES
        .iter()
        .find(|c| c.name == name)
        .unwrap_or(&CATEGORIES[0])
}

/// Attributes that cannot go together on one product.
pub const EXCLUSIVE: &[(&str, &str)] = &[("vegan", "leather"), ("vegan", "merino")];

/// The sentence that puts each attribute in a description (it contains the attribute word).
pub const ATTRIBUTE_SENTENCES: &[(&str, &str)] = &[
    (
        "waterproof",
        "Waterproof membrane with taped seams keeps the rain out.",
    ),
    (
        "insulated",
        "Insulated with synthetic fill that stays warm when damp.",
    ),
    (
        "windproof",
        "A windproof face fabric blocks gusts on exposed ridges.",
    ),
    ("packable", "Packable: it stuffs into its own pocket."),
    ("recycled", "Made with recycled fibres."),
    ("vegan", "Vegan: no animal-derived materials."),
    (
        "breathable",
        "Breathable panels let heat escape on the climb.",
    ),
    ("reflective", "Reflective details for dark evenings."),
    ("leather", "Full-grain leather that softens with wear."),
    ("lightweight", "Lightweight build for long days."),
    ("merino", "Soft merino wool that resists odour."),
    (
        "organic",
        "Organic cotton, grown without synthetic pesticides.",
    ),
    ("quick-dry", "Quick-dry fabric is ready again by morning."),
    ("stretch", "Four-way stretch moves with you."),
    ("cushioned", "Cushioned sole zones for long walks."),
    (
        "touchscreen",
        "Touchscreen fingertips work with your phone.",
    ),
    ("ultralight", "Ultralight materials keep the weight down."),
    ("freestanding", "Freestanding frame pitches anywhere."),
];

/// First sentences (`{noun}` is replaced).
pub const OPENERS: &[&str] = &[
    "A dependable {noun} for everyday adventures.",
    "Our {noun} for trail, town and travel.",
    "A {noun} built to last season after season.",
    "A versatile {noun} that earns its place in the pack.",
    "The {noun} our staff reach for first.",
];

/// Last sentences.
pub const CLOSERS: &[&str] = &[
    "Backed by our two-year warranty.",
    "Free returns within 30 days.",
    "Designed and tested in the Alps.",
    "Repairable, with spare parts for five years.",
];

/// Vendors.
pub const BRANDS: &[&str] = &[
    "Nordvik",
    "Alpenglow",
    "Fjellstad",
    "Kestrel",
    "Bergholm",
    "Larchwood",
    "Stormcrest",
    "Pinehollow",
    "Tidewater",
    "Cairnline",
    "Wildmark",
    "Halvorsen",
    "Skarven",
    "Moorfield",
];

/// The demo shop's own brand (the hand-written best sellers).
pub const HOUSE_BRAND: &str = "Acme";

/// Misspellings shoppers make of brand names (for the eval).
pub const BRAND_TYPOS: &[(&str, &str)] = &[
    ("Nordvik", "Nordvick"),
    ("Fjellstad", "Fjelstad"),
    ("Bergholm", "Berghom"),
    ("Alpenglow", "Alpenglo"),
    ("Kestrel", "Kestral"),
    ("Larchwood", "Larchwod"),
    ("Halvorsen", "Halverson"),
    ("Stormcrest", "Stromcrest"),
];

/// Misspellings shoppers make of product words (attributes), for the eval: one edit each
/// (a letter dropped, doubled, swapped with its neighbour or replaced).
pub const ATTRIBUTE_TYPOS: &[(&str, &str)] = &[
    ("waterproof", "waterprof"),
    ("insulated", "insulted"),
    ("breathable", "breatheable"),
    ("reflective", "refelctive"),
    ("lightweight", "lightwieght"),
    ("cushioned", "cushoined"),
    ("windproof", "windprof"),
    ("recycled", "recyled"),
];

/// Model names in titles.
pub const MODELS: &[&str] = &[
    "Glacier", "Tundra", "Alder", "Aspen", "Boulder", "Canyon", "Cascade", "Cirrus", "Condor",
    "Dune", "Ember", "Fjord", "Granite", "Harbour", "Horizon", "Juniper", "Lynx", "Meadow",
    "Monsoon", "Nimbus", "Orbit", "Pioneer", "Quartz", "Rover", "Sable", "Sequoia", "Sierra",
    "Solstice", "Talus", "Trek", "Vista", "Wander", "Yukon", "Zephyr", "Birch", "Drift", "Everest",
    "Falcon", "Gale", "Kodiak", "Lagoon", "Mesa", "Nomad", "Otter", "Peak", "Raven", "Scout",
    "Timber", "Vale", "Willow", "Apex", "Bluff", "Delta", "Echo", "Flint", "Grove", "Heath",
    "Jasper", "Knoll", "Ledge", "Moraine", "Outpost", "Prairie", "Rapids", "Spruce", "Upland",
    "Valley", "Wildwood",
];

/// Colour option values.
pub const COLOURS: &[&str] = &[
    "Black", "Navy", "Olive", "Red", "Teal", "Grey", "Blue", "Green", "Brown", "Orange", "Yellow",
    "White", "Burgundy", "Sand",
];

/// A hand-written best seller (the four the demo storefront has always shown).
#[derive(Debug)]
pub struct Hero {
    /// Title.
    pub title: &'static str,
    /// Model word.
    pub model: &'static str,
    /// Category name.
    pub category: &'static str,
    /// Description (contains every attribute word).
    pub description: &'static str,
    /// Attributes.
    pub attributes: &'static [&'static str],
    /// Options.
    pub options: &'static [(&'static str, &'static [&'static str])],
    /// Price in cents.
    pub price_cents: u64,
    /// Compare-at in cents.
    pub compare_at_cents: Option<u64>,
    /// Option combinations that are sold out.
    pub sold_out: &'static [&'static [&'static str]],
}

/// Products 0–3 of every catalog.
pub const HEROES: &[Hero] = &[
    Hero {
        title: "Summit Waterproof Jacket",
        model: "Summit",
        category: "Jackets",
        description: "Fully waterproof shell (20,000 mm) with taped seams. Packable: it stuffs into its own pocket. 390 g.",
        attributes: &["waterproof", "packable"],
        options: &[("Size", &["S", "M", "L", "XL", "XXL"]), ("Colour", &["Teal", "Black"])],
        price_cents: 18_900,
        compare_at_cents: None,
        sold_out: &[&["M", "Black"], &["XXL", "Teal"]],
    },
    Hero {
        title: "Ridge Trail Boots",
        model: "Ridge",
        category: "Boots",
        description: "Waterproof membrane, grippy outsole, leather upper. Runs half a size small.",
        attributes: &["waterproof", "leather"],
        options: &[("Size", &["38", "39", "40", "41", "42", "43", "44", "45", "46"]), ("Colour", &["Brown"])],
        price_cents: 15_900,
        compare_at_cents: None,
        sold_out: &[&["40", "Brown"]],
    },
    Hero {
        title: "Basecamp Fleece",
        model: "Basecamp",
        category: "Fleeces",
        description: "Recycled 300-weight fleece with a high collar and zipped hand pockets.",
        attributes: &["recycled"],
        options: &[("Size", &["S", "M", "L", "XL", "XXL"]), ("Colour", &["Orange", "Navy"])],
        price_cents: 7_900,
        compare_at_cents: Some(9_900),
        sold_out: &[],
    },
    Hero {
        title: "Ridgeline 30 Pack",
        model: "Ridgeline",
        category: "Backpacks",
        description: "30 litres, ventilated back panel, rain cover in the lid pocket. Made with recycled fabric.",
        attributes: &["recycled"],
        options: &[("Colour", &["Grey", "Olive"])],
        price_cents: 11_900,
        compare_at_cents: None,
        sold_out: &[],
    },
];
