//! The generated catalog: products with options, variants, prices and stock, derived from a
//! fixed seed so every run, machine and version sees the same shop.
//!
//! Owns: the product model every shape serialises, and the generator.
//! Must not depend on: any shape, HTTP, the clock (times derive from the seed).
//!
//! Product `i` depends only on the seed and `i` (not on how many products are asked for), so
//! the first 2,400 products of a 10,000-product catalog are the default catalog.

use crate::words::{self, CategorySpec, Sizing, ATTRIBUTE_SENTENCES};

/// The fixed seed of the demo catalog.
pub const SEED: u64 = 0x540b_2e3b;

/// Products in the default catalog (`--products`).
pub const DEFAULT_PRODUCTS: usize = 2_400;

/// The shop's currency (every price is EUR, two decimals).
pub const CURRENCY: &str = "EUR";

/// Unix seconds of 2026-01-01T00:00:00Z: generated update times fall in the year after it.
const EPOCH_2026: u64 = 1_767_225_600;

/// The whole shop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    /// In generation order (product 0 is the first best seller).
    pub products: Vec<Product>,
}

/// One option of a product (Size, Colour, Capacity, Length), in position order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductOption {
    /// "Size", "Colour", …
    pub name: String,
    /// Values in display order.
    pub values: Vec<String>,
}

/// One sellable combination of option values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    /// Shopify variant id.
    pub id: u64,
    /// WooCommerce variation id.
    pub woo_id: u64,
    /// Same in every shape.
    pub sku: String,
    /// One value per product option, in option order.
    pub options: Vec<String>,
    /// Selling price in cents (EUR).
    pub price_cents: u64,
    /// The crossed-out price when on sale.
    pub compare_at_cents: Option<u64>,
    /// Units in stock (0 = sold out).
    pub stock: u32,
}

impl Variant {
    /// Whether it can be bought now.
    pub fn available(&self) -> bool {
        self.stock > 0
    }

    /// "M / Teal", or "Default Title" for a product without options (Shopify's name).
    pub fn title(&self) -> String {
        if self.options.is_empty() {
            "Default Title".into()
        } else {
            self.options.join(" / ")
        }
    }
}

/// One product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    /// Shopify product id.
    pub id: u64,
    /// WooCommerce product id.
    pub woo_id: u64,
    /// URL handle / Woo slug, unique.
    pub handle: String,
    /// Display title (brand, model, first attribute, noun).
    pub title: String,
    /// Plain-text description (shapes that carry HTML wrap it in `<p>`).
    pub description: String,
    /// Vendor.
    pub brand: String,
    /// The model name in the title ("Summit").
    pub model: String,
    /// Category name ("Jackets"), Shopify's product_type.
    pub category: &'static str,
    /// Google product category path.
    pub google_category: &'static str,
    /// Facts a shopper searches by ("waterproof", "merino", …); each appears in the text.
    pub attributes: Vec<&'static str>,
    /// "men", "women", "kids" or "unisex".
    pub audience: &'static str,
    /// Tags (attributes, audience, category).
    pub tags: Vec<String>,
    /// Options in position order (may be empty).
    pub options: Vec<ProductOption>,
    /// One per option combination.
    pub variants: Vec<Variant>,
    /// Unix seconds of the last change.
    pub updated_at: u64,
}

impl Product {
    /// The image every shape links (https, as cards require).
    pub fn image_url(&self) -> String {
        format!("https://images.shopkeep.test/p/{}.jpg", self.handle)
    }

    /// Whether any variant is in stock.
    pub fn available(&self) -> bool {
        self.variants.iter().any(Variant::available)
    }

    /// Lowest selling price in cents.
    pub fn min_price_cents(&self) -> u64 {
        self.variants
            .iter()
            .map(|v| v.price_cents)
            .min()
            .unwrap_or(0)
    }

    /// Highest selling price in cents.
    pub fn max_price_cents(&self) -> u64 {
        self.variants
            .iter()
            .map(|v| v.price_cents)
            .max()
            .unwrap_or(0)
    }

    /// The value of option `name` (case-insensitive) for a variant, if the product has it.
    pub fn option_value<'a>(&self, variant: &'a Variant, name: &str) -> Option<&'a str> {
        let position = self
            .options
            .iter()
            .position(|o| o.name.eq_ignore_ascii_case(name))?;
        variant.options.get(position).map(String::as_str)
    }
}

/// SplitMix64: tiny, well-mixed and stable forever (no crate version can change the catalog).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for one stream.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One element.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// `count` products from `seed`.
pub fn generate(seed: u64, count: usize) -> Catalog {
    let mut products: Vec<Product> = Vec::with_capacity(count);
    let mut handles = std::collections::HashSet::new();
    for index in 0..count {
        let mut product = match words::HEROES.get(index) {
            Some(hero) => hero_product(index, hero),
            None => random_product(seed, index),
        };
        // Titles can repeat across thousands of products; handles must not.
        let base = product.handle.clone();
        let mut n = 2;
        while !handles.insert(product.handle.clone()) {
            product.handle = format!("{base}-{n}");
            n += 1;
        }
        finish(&mut product, index);
        products.push(product);
    }
    Catalog { products }
}

/// The default demo catalog.
pub fn demo() -> Catalog {
    generate(SEED, DEFAULT_PRODUCTS)
}

fn product_rng(seed: u64, index: usize) -> Rng {
    let mut rng = Rng::new(seed ^ (index as u64).wrapping_mul(0xA24B_AED4_963E_E407));
    rng.next_u64();
    rng
}

/// "Women's Summit Waterproof Jacket" → "womens-summit-waterproof-jacket".
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if c == '\'' {
            continue;
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

fn title_case(word: &str) -> String {
    word.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

fn random_product(seed: u64, index: usize) -> Product {
    let mut rng = product_rng(seed, index);
    let spec = pick_category(&mut rng);
    let brand = rng.pick(words::BRANDS).to_string();
    let model = rng.pick(words::MODELS).to_string();
    let noun = *rng.pick(spec.nouns);
    let audience = if !spec.gendered {
        "unisex"
    } else {
        *rng.pick(&["men", "women", "women", "men", "unisex", "kids"])
    };
    let attributes = pick_attributes(&mut rng, spec);

    let mut title = String::new();
    match audience {
        "men" => title.push_str("Men's "),
        "women" => title.push_str("Women's "),
        "kids" => title.push_str("Kids' "),
        _ => {}
    }
    title.push_str(&format!("{brand} {model} "));
    if let Some(first) = attributes.first() {
        title.push_str(&title_case(first));
        title.push(' ');
    }
    title.push_str(noun);

    let options = options_for(&mut rng, spec, audience);
    let base_price = price_in(&mut rng, spec.price_euros);
    let compare_at = rng
        .chance(22)
        .then(|| round_price(base_price * (120 + rng.below(31)) / 100));
    let xxl_costs_more = rng.chance(15);
    let sold_out = rng.chance(6);
    let variants = combinations(&options)
        .into_iter()
        .map(|values| {
            let mut price = base_price;
            if xxl_costs_more && values.iter().any(|v| v == "XXL") {
                price += 500;
            }
            let stock = if sold_out || rng.chance(18) {
                0
            } else {
                1 + rng.below(40) as u32
            };
            Variant {
                id: 0,
                woo_id: 0,
                sku: String::new(),
                options: values,
                price_cents: price,
                compare_at_cents: compare_at.filter(|c| *c > price),
                stock,
            }
        })
        .collect();

    let description = describe(&mut rng, &attributes, audience, noun);
    Product {
        id: 0,
        woo_id: 0,
        handle: slug(&title),
        title,
        description,
        brand,
        model,
        category: spec.name,
        google_category: spec.google,
        attributes,
        audience,
        tags: Vec::new(),
        options,
        variants,
        updated_at: EPOCH_2026 + rng.below(300 * 86_400),
    }
}

fn hero_product(index: usize, hero: &words::Hero) -> Product {
    let spec = words::category(hero.category);
    let options: Vec<ProductOption> = hero
        .options
        .iter()
        .map(|(name, values)| ProductOption {
            name: (*name).into(),
            values: values.iter().map(|v| (*v).to_string()).collect(),
        })
        .collect();
    let variants = combinations(&options)
        .into_iter()
        .map(|values| {
            let sold_out = hero.sold_out.iter().any(|combo| {
                combo.len() == values.len() && combo.iter().zip(&values).all(|(a, b)| a == b)
            });
            Variant {
                id: 0,
                woo_id: 0,
                sku: String::new(),
                options: values,
                price_cents: hero.price_cents,
                compare_at_cents: hero.compare_at_cents,
                stock: if sold_out { 0 } else { 12 },
            }
        })
        .collect();
    Product {
        id: 0,
        woo_id: 0,
        handle: slug(hero.title),
        title: hero.title.into(),
        description: hero.description.into(),
        brand: words::HOUSE_BRAND.into(),
        model: hero.model.into(),
        category: spec.name,
        google_category: spec.google,
        attributes: hero.attributes.to_vec(),
        audience: "unisex",
        tags: Vec::new(),
        options,
        variants,
        updated_at: EPOCH_2026 + 86_400 * (index as u64 + 1),
    }
}

/// Ids, SKUs and tags, the same way for heroes and generated products.
fn finish(product: &mut Product, index: usize) {
    let n = index as u64;
    product.id = 8_000_000_000 + n;
    product.woo_id = 1_000 + n;
    let code = product.category[..3].to_ascii_uppercase();
    for (k, variant) in product.variants.iter_mut().enumerate() {
        let k = k as u64;
        variant.id = 45_000_000_000 + n * 100 + k;
        variant.woo_id = 200_000 + n * 100 + k;
        let suffix: String = variant
            .options
            .iter()
            .map(|v| slug(v).to_ascii_uppercase())
            .collect::<Vec<_>>()
            .join("-");
        variant.sku = if suffix.is_empty() {
            format!("{code}-{n:05}")
        } else {
            format!("{code}-{n:05}-{suffix}")
        };
    }
    let mut tags: Vec<String> = product.attributes.iter().map(|a| a.to_string()).collect();
    tags.push(product.audience.into());
    tags.push(product.category.to_ascii_lowercase());
    product.tags = tags;
}

fn pick_category(rng: &mut Rng) -> &'static CategorySpec {
    let total: u64 = words::CATEGORIES.iter().map(|c| c.weight).sum();
    let mut roll = rng.below(total);
    for spec in words::CATEGORIES {
        if roll < spec.weight {
            return spec;
        }
        roll -= spec.weight;
    }
    &words::CATEGORIES[0]
}

fn pick_attributes(rng: &mut Rng, spec: &CategorySpec) -> Vec<&'static str> {
    let wanted = 1 + rng.below(3) as usize;
    let mut chosen: Vec<&'static str> = Vec::new();
    for _ in 0..wanted * 3 {
        if chosen.len() == wanted {
            break;
        }
        let attribute = *rng.pick(spec.attributes);
        let clashes = chosen.contains(&attribute)
            || words::EXCLUSIVE.iter().any(|(a, b)| {
                (chosen.contains(a) && attribute == *b) || (chosen.contains(b) && attribute == *a)
            });
        if !clashes {
            chosen.push(attribute);
        }
    }
    chosen
}

fn options_for(rng: &mut Rng, spec: &CategorySpec, audience: &str) -> Vec<ProductOption> {
    let mut options = Vec::new();
    let sizes: Vec<String> = match (spec.sizing, audience == "kids") {
        (Sizing::Clothing, false) => words::CLOTHING_SIZES
            .iter()
            .map(|s| s.to_string())
            .collect(),
        (Sizing::Clothing, true) => words::KIDS_SIZES.iter().map(|s| s.to_string()).collect(),
        (Sizing::Shoes, kids) => {
            let (lo, hi, span) = if kids { (28, 35, 6) } else { (36, 47, 7) };
            let span = span + rng.below(4);
            let start = lo + rng.below(hi - lo + 2 - span.min(hi - lo + 1));
            (start..=(start + span - 1).min(hi))
                .map(|s| s.to_string())
                .collect()
        }
        (Sizing::Fixed(name, values), _) => {
            options.push(ProductOption {
                name: name.into(),
                values: values.iter().map(|v| v.to_string()).collect(),
            });
            Vec::new()
        }
        (Sizing::None, _) => Vec::new(),
    };
    if !sizes.is_empty() {
        options.push(ProductOption {
            name: "Size".into(),
            values: sizes,
        });
    }
    let colours = 1 + match rng.below(10) {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    };
    let mut chosen: Vec<String> = Vec::new();
    while chosen.len() < colours {
        let colour = rng.pick(words::COLOURS).to_string();
        if !chosen.contains(&colour) {
            chosen.push(colour);
        }
    }
    options.push(ProductOption {
        name: "Colour".into(),
        values: chosen,
    });
    options
}

fn combinations(options: &[ProductOption]) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = vec![Vec::new()];
    for option in options {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                option.values.iter().map(move |value| {
                    let mut next = prefix.clone();
                    next.push(value.clone());
                    next
                })
            })
            .collect();
    }
    out
}

/// A shop-like price in cents: 129.99, 89.95, 145.00.
fn price_in(rng: &mut Rng, (lo, hi): (u64, u64)) -> u64 {
    let euros = lo + rng.below(hi - lo + 1);
    let cents = *rng.pick(&[99, 99, 95, 0, 90]);
    round_price(euros * 100 + cents)
}

fn round_price(cents: u64) -> u64 {
    let euros = cents / 100;
    match cents % 100 {
        0 => euros * 100,
        c if c >= 95 => euros * 100 + c,
        _ => euros * 100 + 90,
    }
}

fn describe(rng: &mut Rng, attributes: &[&'static str], audience: &str, noun: &str) -> String {
    let opener = rng
        .pick(words::OPENERS)
        .replace("{noun}", &noun.to_ascii_lowercase());
    let mut sentences = vec![opener];
    for attribute in attributes {
        if let Some((_, sentence)) = ATTRIBUTE_SENTENCES.iter().find(|(a, _)| a == attribute) {
            sentences.push((*sentence).to_owned());
        }
    }
    sentences.push(rng.pick(words::CLOSERS).to_string());
    if audience == "kids" {
        sentences.push("Sized for kids, with room to grow.".into());
    }
    sentences.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_url_safe() {
        assert_eq!(
            slug("Women's Nordvik Summit Waterproof Jacket"),
            "womens-nordvik-summit-waterproof-jacket"
        );
        assert_eq!(slug("Ridgeline 30 L Pack"), "ridgeline-30-l-pack");
    }

    #[test]
    fn combinations_cover_every_pair() {
        let options = vec![
            ProductOption {
                name: "Size".into(),
                values: vec!["S".into(), "M".into()],
            },
            ProductOption {
                name: "Colour".into(),
                values: vec!["Red".into(), "Blue".into(), "Teal".into()],
            },
        ];
        let all = combinations(&options);
        assert_eq!(all.len(), 6);
        assert_eq!(all[0], vec!["S", "Red"]);
        assert_eq!(all[5], vec!["M", "Teal"]);
    }

    #[test]
    fn prices_look_like_shop_prices() {
        let mut rng = Rng::new(1);
        for _ in 0..500 {
            let cents = price_in(&mut rng, (20, 300));
            assert!(matches!(cents % 100, 0 | 90 | 95 | 99), "{cents}");
        }
    }
}
