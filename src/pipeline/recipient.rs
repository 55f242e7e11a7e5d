//! Who a message goes to: the event's `email` / `phone_number` attribute (or
//! Cognito's, when the event lacks it), a phone number normalised to E.164 and
//! checked against the route's country lists.

use switchboard_providers::{mask_username, Channel};

use super::outcome::HandleError;
use crate::cognito::directory::UserDirectory;
use crate::cognito::event::CustomSenderEvent;
use crate::route::Route;
use crate::sms::countries::{Refusal, Region};
use crate::sms::phone::{self, E164};

/// Where one message goes: an address, or a validated phone number (which the
/// SMS limits count by number and calling code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    /// An email address.
    Email(String),
    /// A phone number in E.164 form.
    Phone(E164),
}

impl Recipient {
    /// The address or E.164 number, as providers get it.
    pub fn address(&self) -> &str {
        match self {
            Recipient::Email(address) => address,
            Recipient::Phone(number) => number.as_str(),
        }
    }

    /// The phone number, for an SMS.
    pub fn phone(&self) -> Option<&E164> {
        match self {
            Recipient::Email(_) => None,
            Recipient::Phone(number) => Some(number),
        }
    }
}

/// Finds recipients; built once per cold start.
#[derive(Debug)]
pub struct Recipients {
    directory: Option<UserDirectory>,
    default_region: Option<String>,
}

impl Recipients {
    /// `directory` answers for events without the attribute; `default_region`
    /// reads national phone numbers.
    pub fn new(directory: Option<UserDirectory>, default_region: Option<String>) -> Self {
        Recipients {
            directory,
            default_region,
        }
    }

    /// The address or E.164 number `event` goes to on `route`; a look-up in
    /// Cognito ends by `deadline`.
    pub async fn find(
        &self,
        event: &CustomSenderEvent,
        route: &Route,
        deadline: Option<std::time::Instant>,
    ) -> Result<Recipient, HandleError> {
        let attribute = match route.channel {
            Channel::Email => "email",
            Channel::Sms => "phone_number",
        };
        let in_event = event
            .request
            .user_attributes
            .get(attribute)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty());
        let value = match (in_event, &self.directory) {
            (Some(value), _) => value,
            (None, Some(directory)) => directory
                .attribute(&event.user_pool_id, &event.user_name, attribute, deadline)
                .await?
                .ok_or_else(|| no_recipient(event, attribute, true))?,
            (None, None) => return Err(no_recipient(event, attribute, false)),
        };
        match route.channel {
            Channel::Email => Ok(Recipient::Email(value)),
            Channel::Sms => self
                .phone_number(event, route, &value)
                .map(Recipient::Phone),
        }
    }

    /// Normalises a phone number and applies the route's country lists.
    fn phone_number(
        &self,
        event: &CustomSenderEvent,
        route: &Route,
        raw: &str,
    ) -> Result<E164, HandleError> {
        let number = phone::normalise(raw, self.default_region.as_deref()).map_err(|problem| {
            HandleError::BadPhoneNumber {
                user: mask_username(&event.user_name),
                problem,
            }
        })?;
        match route.countries.refusal(&number) {
            None => Ok(number),
            Some(Refusal::Region { setting }) => Err(HandleError::CountryNotAllowed {
                user: mask_username(&event.user_name),
                region: region_name(&number),
                calling_code: number.calling_code(),
                setting,
            }),
            Some(Refusal::NumberType { number_type }) => Err(HandleError::NumberTypeNotAllowed {
                user: mask_username(&event.user_name),
                region: region_name(&number),
                number_type,
            }),
        }
    }
}

/// `JM`, or `001` for a number of no region.
fn region_name(number: &E164) -> String {
    number
        .region()
        .unwrap_or(Region::NON_GEOGRAPHIC)
        .to_string()
}

fn no_recipient(
    event: &CustomSenderEvent,
    attribute: &'static str,
    looked_up: bool,
) -> HandleError {
    HandleError::NoRecipient {
        attribute,
        pool: event.user_pool_id.clone(),
        user: mask_username(&event.user_name),
        looked_up,
    }
}
