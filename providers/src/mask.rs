//! Recipients in logs: enough to recognise, not enough to harvest.

/// Masks an email address: `jane.doe@example.com` → `j***@e***.com`.
pub fn mask_email(address: &str) -> String {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return "***".to_string();
    };
    let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
    let (host, tld) = match domain.rsplit_once('.') {
        Some((host, tld)) => (host, format!(".{tld}")),
        None => (domain, String::new()),
    };
    format!("{}***@{}***{}", first(local), first(host), tld)
}

/// Masks a phone number: `+4915112345623` → `+49*********23`.
pub fn mask_phone(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    if chars.len() < 6 {
        return "***".to_string();
    }
    let (head, tail) = (3, 2);
    let hidden = chars.len() - head - tail;
    let mut out: String = chars[..head].iter().collect();
    out.extend(std::iter::repeat_n('*', hidden));
    out.extend(&chars[chars.len() - tail..]);
    out
}

/// A Cognito username as errors and logs may show it: masked when it is an email
/// address or a phone number (pools that sign in with either), kept otherwise
/// (a `sub` UUID or a chosen name, which support needs to find the user).
pub fn mask_username(username: &str) -> String {
    if username.contains('@') || username.starts_with('+') {
        mask_recipient(username)
    } else {
        username.to_string()
    }
}

/// Masks whatever the recipient is: an address if it has an `@`, a phone number otherwise.
pub fn mask_recipient(recipient: &str) -> String {
    if recipient.contains('@') {
        mask_email(recipient)
    } else {
        mask_phone(recipient)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_keeps_first_letters_and_tld_only() {
        assert_eq!(mask_email("jane.doe@example.com"), "j***@e***.com");
        assert_eq!(mask_email("x@localhost"), "x***@l***");
        assert_eq!(mask_email("not-an-address"), "***");
    }

    #[test]
    fn phone_keeps_country_prefix_and_last_two_digits() {
        assert_eq!(mask_phone("+4915112345623"), "+49*********23");
        assert_eq!(mask_phone("+1555"), "***");
    }

    #[test]
    fn recipient_picks_the_right_mask() {
        assert_eq!(mask_recipient("a@b.c"), "a***@b***.c");
        assert_eq!(mask_recipient("+12025550123"), "+12*******23");
    }
}
