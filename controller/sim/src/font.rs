//! The one font the plots use, loaded once from a system TrueType file.
//!
//! plotters renders text with the pure-Rust `ab_glyph` backend, so the
//! `reunion` binary links no C font libraries (fontconfig, FreeType) and can be
//! built fully static for the QEMU and Xen test images. The price is that the
//! font file is found here, by path, rather than by fontconfig.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::style::FontStyle;

/// The family name the plots ask for.
pub const FAMILY: &str = "sans-serif";

/// Environment variable naming a TrueType file to use instead of the defaults.
pub const FONT_ENV: &str = "REUNION_FONT";

/// Where Debian's `fonts-dejavu-core` (and a few other distributions) put a sans font.
const CANDIDATES: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
];

static REGISTERED: OnceLock<Result<PathBuf, String>> = OnceLock::new();

/// Registers the plot font on first use; later calls return the first outcome.
///
/// The error says which files were tried and how to fix it.
pub fn ensure_registered() -> Result<(), String> {
    REGISTERED.get_or_init(register).clone().map(|_| ())
}

fn register() -> Result<PathBuf, String> {
    let from_env = std::env::var_os(FONT_ENV).map(PathBuf::from);
    let tried: Vec<PathBuf> = from_env
        .into_iter()
        .chain(CANDIDATES.iter().map(PathBuf::from))
        .collect();
    for path in &tried {
        if let Some(bytes) = read(path) {
            // plotters keeps fonts for the life of the process; leak the one copy.
            let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            return plotters::style::register_font(FAMILY, FontStyle::Normal, bytes)
                .map(|()| path.clone())
                .map_err(|_| format!("{} is not a usable TrueType font", path.display()));
        }
    }
    let tried: Vec<String> = tried.iter().map(|p| p.display().to_string()).collect();
    Err(format!(
        "no font for the plots (tried {}); install fonts-dejavu-core, set {FONT_ENV}=FILE.ttf, \
         or pass --no-plots",
        tried.join(", ")
    ))
}

fn read(path: &Path) -> Option<Vec<u8>> {
    std::fs::read(path).ok()
}
