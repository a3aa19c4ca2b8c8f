//! The Israeli cities a business can pick: coordinates and the local custom for candle-lighting.
//!
//! Coordinates are GeoNames' (the ones hebcal.com uses for the cities it lists), elevation is not used:
//! sunset is computed at sea level, as the published Israeli tables do. Candle-lighting is 18 minutes
//! before sunset, 40 in Jerusalem and 30 in Haifa and Zikhron Ya'akov (the custom those tables follow).

/// One city of the table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct City {
    /// Stable key stored in the settings, e.g. `tel-aviv`.
    pub key: &'static str,
    /// The city's name in Hebrew.
    pub name_he: &'static str,
    pub latitude: f64,
    pub longitude: f64,
    /// Minutes before sunset that Shabbat and the holidays begin here unless the business says otherwise.
    pub candle_lighting_minutes: u32,
}

const fn city(
    key: &'static str,
    name_he: &'static str,
    latitude: f64,
    longitude: f64,
    minutes: u32,
) -> City {
    City {
        key,
        name_he,
        latitude,
        longitude,
        candle_lighting_minutes: minutes,
    }
}

/// Every city, sorted by key.
pub const CITIES: &[City] = &[
    city("ashdod", "אשדוד", 31.79213, 34.64966, 18),
    city("ashkelon", "אשקלון", 31.66926, 34.57149, 18),
    city("bat-yam", "בת ים", 32.02379, 34.75185, 18),
    city("beer-sheva", "באר שבע", 31.25181, 34.7913, 18),
    city("beit-shemesh", "בית שמש", 31.73072, 34.99293, 18),
    city("bnei-brak", "בני ברק", 32.08074, 34.8338, 18),
    city("eilat", "אילת", 29.55805, 34.94821, 18),
    city("hadera", "חדרה", 32.44192, 34.9039, 18),
    city("haifa", "חיפה", 32.81841, 34.9885, 30),
    city("herzliya", "הרצליה", 32.16627, 34.82536, 18),
    city("holon", "חולון", 32.01034, 34.77918, 18),
    city("jerusalem", "ירושלים", 31.76904, 35.21633, 40),
    city("kfar-saba", "כפר סבא", 32.175, 34.90694, 18),
    city("modiin", "מודיעין", 31.89670, 35.01035, 18),
    city("nazareth", "נצרת", 32.70056, 35.29722, 18),
    city("netanya", "נתניה", 32.33291, 34.85992, 18),
    city("petah-tikva", "פתח תקווה", 32.08707, 34.88747, 18),
    city("raanana", "רעננה", 32.1836, 34.87386, 18),
    city("ramat-gan", "רמת גן", 32.08227, 34.81065, 18),
    city("rehovot", "רחובות", 31.89421, 34.81199, 18),
    city("rishon-lezion", "ראשון לציון", 31.97102, 34.78939, 18),
    city("safed", "צפת", 32.96465, 35.496, 18),
    city("tel-aviv", "תל אביב", 32.08088, 34.78057, 18),
    city("tiberias", "טבריה", 32.79221, 35.53124, 18),
    city("zikhron-yaakov", "זכרון יעקב", 32.57111, 34.9547, 30),
];

/// The city with this key, if it is in the table.
pub fn find(key: &str) -> Option<&'static City> {
    CITIES
        .binary_search_by(|c| c.key.cmp(key))
        .ok()
        .map(|i| &CITIES[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_so_every_city_is_found() {
        assert!(CITIES.windows(2).all(|w| w[0].key < w[1].key));
        for c in CITIES {
            assert_eq!(find(c.key), Some(c));
            assert!(
                (29.0..34.0).contains(&c.latitude) && (34.0..36.0).contains(&c.longitude),
                "{}",
                c.key
            );
        }
        assert_eq!(find("atlantis"), None);
        assert_eq!(
            find("jerusalem").map(|c| c.candle_lighting_minutes),
            Some(40)
        );
    }
}
