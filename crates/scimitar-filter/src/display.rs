//! The canonical text form. Its contract: parsing what it prints gives the same tree.

use std::fmt::{self, Display, Formatter, Write};

use crate::ast::{
    AttrExpr, AttrPath, AttributeList, CompValue, CompareOp, Expr, FilterLeaf, PatchPath, SortBy,
    ValuePath,
};

impl Display for AttrPath {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        f.write_str(self.name.as_str())?;
        if let Some(sub_attr) = &self.sub_attr {
            write!(f, ".{sub_attr}")?;
        }
        Ok(())
    }
}

impl Display for CompareOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Display for CompValue {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Self::Null => f.write_str("null"),
            Self::Bool(value) => write!(f, "{value}"),
            Self::Number(number) => write!(f, "{number}"),
            Self::String(text) => write_json_string(f, text),
        }
    }
}

/// Writes `text` as a JSON string: quotes, backslashes and control characters escaped.
fn write_json_string(f: &mut Formatter<'_>, text: &str) -> fmt::Result {
    f.write_char('"')?;
    let mut clean_from = 0;
    for (at, byte) in text.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..0x20 => "",
            _ => continue,
        };
        f.write_str(&text[clean_from..at])?;
        if escape.is_empty() {
            write!(f, "\\u{byte:04x}")?;
        } else {
            f.write_str(escape)?;
        }
        clean_from = at + 1;
    }
    f.write_str(&text[clean_from..])?;
    f.write_char('"')
}

impl Display for AttrExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Self::Present(path) => write!(f, "{path} pr"),
            Self::Compare(path, op, value) => write!(f, "{path} {op} {value}"),
        }
    }
}

impl Display for ValuePath {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        write!(f, "{}[{}]", self.name, self.filter)
    }
}

impl Display for FilterLeaf {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Self::Attr(expr) => expr.fmt(f),
            Self::ValuePath(path) => path.fmt(f),
        }
    }
}

/// Binding strength, weakest first; a child weaker than its slot needs parentheses.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Precedence {
    Or,
    And,
    Unary,
}

impl<L: Display> Expr<L> {
    fn precedence(&self) -> Precedence {
        match self {
            Self::Or(..) => Precedence::Or,
            Self::And(..) => Precedence::And,
            Self::Leaf(_) | Self::Not(_) => Precedence::Unary,
        }
    }

    fn fmt_in(&self, f: &mut Formatter<'_>, slot: Precedence) -> fmt::Result {
        if self.precedence() < slot {
            write!(f, "({self})")
        } else {
            self.fmt(f)
        }
    }
}

impl<L: Display> Display for Expr<L> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        // Left-associative: the right operand of a chain needs parentheses when it is
        // itself a chain of the same operator.
        match self {
            Self::Leaf(leaf) => leaf.fmt(f),
            Self::Not(inner) => write!(f, "not ({inner})"),
            Self::And(left, right) => {
                left.fmt_in(f, Precedence::And)?;
                f.write_str(" and ")?;
                right.fmt_in(f, Precedence::Unary)
            }
            Self::Or(left, right) => {
                left.fmt_in(f, Precedence::Or)?;
                f.write_str(" or ")?;
                right.fmt_in(f, Precedence::And)
            }
        }
    }
}

impl Display for PatchPath {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Self::Attr(path) => path.fmt(f),
            Self::Value(path, None) => path.fmt(f),
            Self::Value(path, Some(sub_attr)) => write!(f, "{path}.{sub_attr}"),
        }
    }
}

impl Display for AttributeList {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for (index, path) in self.paths.iter().enumerate() {
            if index > 0 {
                f.write_char(',')?;
            }
            path.fmt(f)?;
        }
        Ok(())
    }
}

impl Display for SortBy {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
