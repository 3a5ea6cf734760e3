//! A message as it leaves: subject, HTML part and text part, and the HTML escaping every
//! learner-supplied string goes through.

use serde::{Deserialize, Serialize};

/// A rendered message: subject, HTML part and text part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Rendered {
    pub subject: String,
    pub html: String,
    pub text: String,
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// The HTML part of a text body: escaped, blank lines as paragraphs, line breaks kept.
pub fn text_to_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 128);
    out.push_str("<!DOCTYPE html><html><body>");
    for para in text.replace("\r\n", "\n").split("\n\n") {
        if para.trim().is_empty() {
            continue;
        }
        out.push_str("<p>");
        for (i, line) in para.split('\n').enumerate() {
            if i > 0 {
                out.push_str("<br>");
            }
            escape_html(line, &mut out);
        }
        out.push_str("</p>");
    }
    out.push_str("</body></html>");
    out
}

/// A header value as it may be written: every control character (CR, LF, NUL, tab ...)
/// becomes a space, so no stored value can add a header or break the message, and at most
/// `max_chars` characters are kept (lettre does not fold a long unbroken word, and a header
/// line holds at most 998 octets). Names and subjects are checked when saved
/// ([`check_header`]); this is the defence when sent.
pub fn header_text(s: &str, max_chars: usize) -> String {
    s.chars()
        .take(max_chars)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Refuses a header value (a From name, a subject) with a control character (CR, LF, NUL
/// ...) or longer than `max_chars`.
///
/// # Errors
/// [`crate::Error::Invalid`] naming `field`.
pub fn check_header(field: &str, value: &str, max_chars: usize) -> crate::Result<()> {
    if let Some(c) = value.chars().find(|c| c.is_control()) {
        let what = match c {
            '\r' | '\n' => "a line break".to_string(),
            '\0' => "a NUL character".to_string(),
            '\t' => "a tab".to_string(),
            c => format!("the control character U+{:04X}", u32::from(c)),
        };
        return Err(crate::Error::invalid(
            field,
            format!("must be one line of text, without {what}"),
        ));
    }
    let n = value.chars().count();
    if n > max_chars {
        return Err(crate::Error::invalid(
            field,
            format!("at most {max_chars} characters (this one has {n})"),
        ));
    }
    Ok(())
}
