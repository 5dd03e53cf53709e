//! One way to give a closed set of codes its text form, instead of a hand-written
//! `as_str`/`parse` pair per enum.
//!
//! The codes are what the database stores and the API carries: they must stay byte-identical.
//! Words for people are never here: a page renders `key()` (when given) in the reader's language.
//!
//! ```
//! yanshi_domain::text_enum! {
//!     /// A door's colour.
//!     pub enum Colour {
//!         Red = "RED" => "colour-red",
//!         Blue = "BLUE" => "colour-blue",
//!     }
//!     parse -> Invalid("colour", "colour-unknown");
//! }
//! assert_eq!(Colour::parse("RED"), Ok(Colour::Red));
//! assert_eq!(Colour::Blue.as_str(), "BLUE");
//! assert_eq!(Colour::Blue.key(), "colour-blue");
//! assert!(Colour::parse("red").is_err());
//! ```
//!
//! What it makes: the enum (`Debug, Clone, Copy, PartialEq, Eq, Hash`, plus any `#[derive]`
//! written above it), `ALL` in declaration order, `as_str(self)` (the code), `from_code(&str)`
//! (exactly a code, else `None`) and, when every variant names one, `key(self)` (its message key).
//! The optional last line chooses `parse`: `parse -> Option;` is `from_code`; `parse ->
//! Invalid("field", "<message key>");` answers an unknown code with that [`crate::Invalid`]. Without
//! it the enum writes its own `parse` (one that also reads a roster's words, say).
//! There is deliberately no `Display`: a code is not text for a page.

#[macro_export]
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal $(=> $key:literal)? ),+ $(,)?
        }
        $(parse -> $how:ident $( ( $field:literal, $err:literal ) )? ;)?
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in the order declared.
            pub const ALL: [$name; $crate::text_enum!(@count $($variant)+)] = [$( $name::$variant, )+];

            /// The code as stored and as the API carries it.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $code, )+
                }
            }

            /// Exactly one of the codes, else `None`.
            pub fn from_code(s: &str) -> ::core::option::Option<Self> {
                match s {
                    $( $code => ::core::option::Option::Some($name::$variant), )+
                    _ => ::core::option::Option::None,
                }
            }
        }

        $crate::text_enum!(@keys $name [ $( $variant $( $key )? ; )+ ]);
        $( $crate::text_enum!(@parse $name $how $( ( $field, $err ) )?); )?
    };

    (@count) => { 0usize };
    (@count $head:ident $($tail:ident)*) => { 1usize + $crate::text_enum!(@count $($tail)*) };

    // Every variant names its key: `key()`. None does: nothing. Some but not all: no rule matches.
    (@keys $name:ident [ $( $variant:ident $key:literal ; )+ ]) => {
        impl $name {
            /// The message key of its words, rendered in the reader's language.
            pub const fn key(self) -> &'static str {
                match self {
                    $( $name::$variant => $key, )+
                }
            }
        }
    };
    (@keys $name:ident [ $( $variant:ident ; )+ ]) => {};

    (@parse $name:ident Option) => {
        impl $name {
            /// Exactly one of the codes, else `None`.
            pub fn parse(s: &str) -> ::core::option::Option<Self> {
                Self::from_code(s)
            }
        }
    };
    (@parse $name:ident Invalid ( $field:literal, $err:literal )) => {
        impl $name {
            /// Exactly one of the codes, else the input is not acceptable.
            pub fn parse(s: &str) -> ::core::result::Result<Self, $crate::Invalid> {
                Self::from_code(s).ok_or($crate::Invalid::new($field, $err))
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use crate::Invalid;

    crate::text_enum! {
        /// Ordered, with keys and an `Invalid` parse.
        #[derive(PartialOrd, Ord)]
        pub enum Size {
            Small = "SMALL" => "size-small",
            /// A variant's doc comment is kept.
            Large = "LARGE_ONE" => "size-large",
        }
        parse -> Invalid("size", "size-unknown");
    }

    crate::text_enum! {
        enum Bare {
            One = "one",
            Two = "two",
            Three = "three",
        }
        parse -> Option;
    }

    crate::text_enum! {
        enum Own {
            Yes = "Y",
        }
    }

    impl Own {
        fn parse(s: &str) -> Option<Self> {
            Self::from_code(s.trim())
        }
    }

    #[test]
    fn every_code_reads_back_as_itself() {
        assert_eq!(Size::ALL, [Size::Small, Size::Large]);
        for s in Size::ALL {
            assert_eq!(Size::parse(s.as_str()), Ok(s));
            assert_eq!(Size::from_code(s.as_str()), Some(s));
        }
        assert_eq!(Bare::ALL.len(), 3);
        for b in Bare::ALL {
            assert_eq!(Bare::parse(b.as_str()), Some(b));
        }
        assert_eq!(Own::parse(" Y "), Some(Own::Yes));
        assert_eq!(Own::ALL.map(Own::as_str), ["Y"]);
    }

    #[test]
    fn anything_else_is_refused_not_guessed() {
        assert_eq!(Size::parse("small"), Err(Invalid::new("size", "size-unknown")));
        assert_eq!(Size::parse("LARGE"), Err(Invalid::new("size", "size-unknown")));
        assert_eq!(Size::parse(""), Err(Invalid::new("size", "size-unknown")));
        assert_eq!(Bare::parse("One"), None);
        assert_eq!(Bare::parse("one "), None);
        assert_eq!(Own::from_code(" Y "), None);
    }

    #[test]
    fn keys_and_derives_come_through() {
        assert_eq!(Size::Large.key(), "size-large");
        assert!(Size::Small < Size::Large);
        let set: std::collections::HashSet<_> = Bare::ALL.into_iter().collect();
        assert_eq!(set.len(), 3);
    }
}
