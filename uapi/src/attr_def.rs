//! Description of one attribute: id, wire type, multiplicity.

/// Wire type of an attribute, named as in the YNL spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrKind {
    /// `u8`.
    U8,
    /// `u32` in host byte order.
    U32,
    /// `u32` in network byte order (IPv4 addresses).
    U32Be,
    /// YNL `uint`: 4 or 8 bytes, host byte order; readers accept both.
    Uint,
    /// `binary`, with the exact length it must have (0 = any).
    Binary(usize),
    /// `flag`: present or absent, no payload.
    Flag,
    /// `nest` of another attribute set.
    Nest,
}

impl AttrKind {
    /// The YNL `type:` string of this kind.
    pub const fn ynl_type(self) -> &'static str {
        match self {
            AttrKind::U8 => "u8",
            AttrKind::U32 | AttrKind::U32Be => "u32",
            AttrKind::Uint => "uint",
            AttrKind::Binary(_) => "binary",
            AttrKind::Flag => "flag",
            AttrKind::Nest => "nest",
        }
    }
}

/// One attribute of an attribute set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttrDef {
    /// Name in the spec.
    pub name: &'static str,
    /// Attribute type number (`nla_type`).
    pub id: u16,
    /// Wire type.
    pub kind: AttrKind,
    /// May appear several times in one message (`multi-attr: true`).
    pub multi: bool,
}

impl AttrDef {
    /// Builds a definition (const so the tables below stay `const`).
    pub const fn new(name: &'static str, id: u16, kind: AttrKind, multi: bool) -> Self {
        AttrDef {
            name,
            id,
            kind,
            multi,
        }
    }
}

/// Finds an attribute by id in a set's table.
pub fn find(set: &[AttrDef], id: u16) -> Option<&AttrDef> {
    set.iter().find(|def| def.id == id)
}
