//! Drawing images as text: Unicode upper half-blocks with the top pixel as foreground
//! and the bottom pixel as background (two pixel rows per text row), in 24-bit colour
//! for colour images where the terminal has it and in greys otherwise, or plain ASCII
//! shades when colour is unwanted. Used by `aen data preview` and the TUI.

/// A pixel's red, green and blue.
pub type Rgb = [u8; 3];

/// Whether the terminal says it shows 24-bit colour (COLORTERM, as terminals set it).
pub fn truecolor() -> bool {
    std::env::var("COLORTERM").is_ok_and(|v| matches!(v.as_str(), "truecolor" | "24bit"))
}

/// The grey of a colour (Rec. 601 luma), for terminals without 24-bit colour.
pub fn luma([r, g, b]: Rgb) -> u8 {
    ((299 * r as u32 + 587 * g as u32 + 114 * b as u32) / 1000) as u8
}

/// Each text cell's (top pixel, bottom pixel) of an image of `side` x `side` stored
/// channel by channel: one channel is grey, three are red, green and blue. Colour is
/// kept only when `colour` is true; otherwise it is drawn in greys.
pub fn halfblock_cells(img: &[u8], side: usize, colour: bool) -> Vec<Vec<(Rgb, Rgb)>> {
    let plane = side * side;
    let channels = (img.len() / plane.max(1)).max(1);
    let px = |i: usize| -> Rgb {
        let rgb = match channels {
            3 => [img[i], img[plane + i], img[2 * plane + i]],
            _ => [img[i]; 3],
        };
        if colour { rgb } else { [luma(rgb); 3] }
    };
    (0..side.div_ceil(2))
        .map(|tr| {
            (0..side)
                .map(|c| {
                    let top = px(2 * tr * side + c);
                    let bottom = if 2 * tr + 1 < side {
                        px((2 * tr + 1) * side + c)
                    } else {
                        [0; 3]
                    };
                    (top, bottom)
                })
                .collect()
        })
        .collect()
}

const SHADES: &[u8] = b" .:-=+*#%@";

pub fn ascii_shade(level: u8) -> char {
    SHADES[(level as usize * (SHADES.len() - 1) + 127) / 255] as char
}

/// One text row per two pixel rows, one character per pixel, shade of the brighter.
pub fn ascii_rows(img: &[u8], side: usize) -> Vec<String> {
    halfblock_cells(img, side, false)
        .into_iter()
        .map(|row| {
            row.into_iter()
                .map(|(t, b)| ascii_shade(t[0].max(b[0])))
                .collect()
        })
        .collect()
}

/// Same layout with 24-bit ANSI colours: colour images in colour where the terminal
/// has 24-bit colour, in greys otherwise.
pub fn ansi_rows(img: &[u8], side: usize) -> Vec<String> {
    halfblock_cells(img, side, truecolor())
        .into_iter()
        .map(|row| {
            let mut s = String::new();
            for ([tr, tg, tb], [br, bg, bb]) in row {
                s.push_str(&format!(
                    "\x1b[38;2;{tr};{tg};{tb}m\x1b[48;2;{br};{bg};{bb}m\u{2580}"
                ));
            }
            s.push_str("\x1b[0m");
            s
        })
        .collect()
}

/// Lays out (original, transformed) pairs side by side, `per_row` pairs a row, each
/// under its label and the transformation drawn for it.
pub fn preview_grid(
    samples: &[aen_core::gdata::Sample],
    side: usize,
    color: bool,
    per_row: usize,
) -> String {
    let draw = |img: &[u8]| {
        if color {
            ansi_rows(img, side)
        } else {
            ascii_rows(img, side)
        }
    };
    let mut out = String::new();
    for chunk in samples.chunks(per_row.max(1)) {
        let mut header = String::new();
        for sample in chunk {
            let width = 2 * side + 2;
            let mut cap = format!("label {}: original -> {}", sample.label, sample.transform);
            if cap.chars().count() > width {
                cap = format!("label {}: {}", sample.label, sample.transform);
            }
            if cap.chars().count() > width {
                cap = cap
                    .chars()
                    .take(width.saturating_sub(1))
                    .collect::<String>()
                    + "…";
            }
            header.push_str(&format!("{cap:<width$}   ", width = 2 * side + 2));
        }
        out.push_str(header.trim_end());
        out.push('\n');
        let drawn: Vec<(Vec<String>, Vec<String>)> = (chunk.iter())
            .map(|s| (draw(&s.original), draw(&s.transformed)))
            .collect();
        for r in 0..side.div_ceil(2) {
            let mut line = String::new();
            for (o, t) in &drawn {
                line.push_str(&o[r]);
                line.push_str("  ");
                line.push_str(&t[r]);
                line.push_str("   ");
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

/// A path as a shell word, so a printed command can be pasted as it is. A path that is
/// not UTF-8 is written as bash's `$'...'` with each such byte as `\xNN`, so it names
/// the same file when pasted.
///
/// ```
/// use std::os::unix::ffi::OsStrExt;
/// let p = std::path::Path::new(std::ffi::OsStr::from_bytes(b"a\xffb c"));
/// assert_eq!(aen::render::shell_quote(p), r"$'a\xffb c'");
/// assert_eq!(aen::render::shell_quote("it's".as_ref()), r"'it'\''s'");
/// ```
pub fn shell_quote(p: &std::path::Path) -> String {
    #[cfg(unix)]
    if p.to_str().is_none() {
        use std::os::unix::ffi::OsStrExt;
        let mut out = String::from("$'");
        for &b in p.as_os_str().as_bytes() {
            match b {
                b'\'' | b'\\' => {
                    out.push('\\');
                    out.push(b as char);
                }
                0x20..=0x7e => out.push(b as char),
                _ => out.push_str(&format!("\\x{b:02x}")),
            }
        }
        out.push('\'');
        return out;
    }
    let s = p.display().to_string();
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:@%,=".contains(c))
    {
        s
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// "1 seed", "3 seeds": a count with its noun in the right number.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// A whole number with thousands separators: 4,096.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
