//! Proves the generated catalog is deterministic, big and varied enough for the demo and the
//! eval, and honest: an attribute word is in a product's text exactly when it has the attribute.

use std::collections::HashSet;

use shopkeep_fake_shop::catalog::{self, generate, DEFAULT_PRODUCTS, SEED};
use shopkeep_fake_shop::words::{ATTRIBUTE_SENTENCES, CATEGORIES};

#[test]
fn the_same_seed_gives_the_same_catalog() {
    assert_eq!(generate(SEED, 500), generate(SEED, 500));
    assert_ne!(generate(SEED, 500), generate(SEED + 1, 500));
}

#[test]
fn a_bigger_catalog_starts_with_the_default_one() {
    let big = generate(SEED, 10_000);
    assert_eq!(big.products.len(), 10_000);
    assert_eq!(
        big.products[..DEFAULT_PRODUCTS],
        catalog::demo().products[..]
    );
}

#[test]
fn ids_handles_and_skus_are_unique() {
    let catalog = generate(SEED, 10_000);
    let mut handles = HashSet::new();
    let mut skus = HashSet::new();
    let mut ids = HashSet::new();
    for product in &catalog.products {
        assert!(
            handles.insert(product.handle.clone()),
            "duplicate handle {}",
            product.handle
        );
        assert!(ids.insert(product.id) && ids.insert(product.woo_id));
        for variant in &product.variants {
            assert!(
                skus.insert(variant.sku.clone()),
                "duplicate sku {}",
                variant.sku
            );
            assert!(ids.insert(variant.id) && ids.insert(variant.woo_id));
        }
    }
}

#[test]
fn the_catalog_is_varied() {
    let catalog = catalog::demo();
    assert!(catalog.products.len() >= 2_000);
    for spec in CATEGORIES {
        let count = catalog
            .products
            .iter()
            .filter(|p| p.category == spec.name)
            .count();
        assert!(count >= 40, "{} has only {count} products", spec.name);
    }
    let all =
        |f: &dyn Fn(&catalog::Product) -> bool| catalog.products.iter().filter(|p| f(p)).count();
    assert!(all(&|p| p.audience == "kids") > 50, "kids products");
    assert!(all(&|p| !p.available()) > 50, "sold-out products");
    assert!(
        all(&|p| p.variants.iter().any(|v| v.compare_at_cents.is_some())) > 200,
        "discounts"
    );
    assert!(
        all(&|p| p.min_price_cents() != p.max_price_cents()) > 20,
        "variant prices differ"
    );
    assert!(all(&|p| p.brand == "Nordvik") > 50);
    let sizes: HashSet<&str> = catalog
        .products
        .iter()
        .flat_map(|p| {
            p.options
                .iter()
                .filter(|o| o.name == "Size")
                .flat_map(|o| o.values.iter().map(String::as_str))
        })
        .collect();
    for size in ["S", "M", "L", "XL", "XXL", "36", "43", "47", "4Y", "28"] {
        assert!(sizes.contains(size), "size {size}");
    }
    let variants: usize = catalog.products.iter().map(|p| p.variants.len()).sum();
    assert!(variants > 5 * catalog.products.len(), "{variants} variants");
}

#[test]
fn every_variant_has_a_shop_price_and_an_https_image() {
    for product in &catalog::demo().products {
        assert!(product.image_url().starts_with("https://"));
        for variant in &product.variants {
            assert!(variant.price_cents >= 1_000, "{}", variant.sku);
            assert!(variant
                .compare_at_cents
                .is_none_or(|c| c > variant.price_cents));
            assert_eq!(variant.options.len(), product.options.len());
        }
    }
}

#[test]
fn attribute_words_appear_exactly_when_the_product_has_them() {
    for product in &catalog::demo().products {
        let text = format!("{} {}", product.title, product.description).to_lowercase();
        for (attribute, _) in ATTRIBUTE_SENTENCES {
            let has = product.attributes.contains(attribute);
            // "waterproof" also matches inside nothing else in the vocabulary; compare whole words.
            let present = text
                .split(|c: char| !(c.is_alphanumeric() || c == '-'))
                .any(|word| word == *attribute);
            assert_eq!(
                has, present,
                "{} / {attribute}: {}",
                product.handle, product.description
            );
        }
        for tag in &product.attributes {
            assert!(product.tags.iter().any(|t| t == tag));
        }
    }
}

#[test]
fn the_storefront_best_sellers_are_the_hand_written_four() {
    let catalog = catalog::demo();
    let titles: Vec<&str> = catalog.products[..4]
        .iter()
        .map(|p| p.title.as_str())
        .collect();
    assert_eq!(
        titles,
        [
            "Summit Waterproof Jacket",
            "Ridge Trail Boots",
            "Basecamp Fleece",
            "Ridgeline 30 Pack"
        ]
    );
    assert_eq!(catalog.products[0].min_price_cents(), 18_900);
}
