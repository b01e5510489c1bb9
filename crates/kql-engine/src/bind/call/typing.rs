//! The result types of the row-at-a-time functions whose type follows from
//! their arguments ([`Typing`]): numbers only, the first argument's type,
//! or the arguments' common type.

use kql_syntax::Span;

use crate::bind::{BResult, Binder, Typed};
use crate::error;
use crate::functions::{RowwiseDef, Typing};
use crate::types::KqlType;

impl Binder<'_> {
    /// The arguments of `def` (written at `spans`) converted as its typing
    /// wants, and its result type; a wrong argument type is an error at
    /// that argument.
    pub(super) fn rowwise_typing(
        &mut self,
        def: &RowwiseDef,
        args: Vec<Typed>,
        spans: &[Span],
    ) -> BResult<(Vec<Typed>, KqlType)> {
        match def.typing {
            Typing::Fixed => Ok((args, def.ret)),
            Typing::Numeric | Typing::Random | Typing::LikeFirst => {
                let args = self.numeric_args(def.name, args, spans)?;
                let ret = match (def.typing, args.first().map(|t| t.ty)) {
                    (Typing::LikeFirst, Some(t @ (KqlType::Int | KqlType::Long))) => t,
                    _ => def.ret,
                };
                Ok((args, ret))
            }
            Typing::Common => self.common_args(def.name, args, spans),
            Typing::First => {
                let ret = match args.first().map(|t| t.ty) {
                    Some(KqlType::Decimal | KqlType::Dynamic) | None => def.ret,
                    Some(t) => t,
                };
                Ok((args, ret))
            }
        }
    }

    /// Numbers as they are (decimals as reals); anything else but dynamic
    /// is an error.
    fn numeric_args(&mut self, name: &str, args: Vec<Typed>, spans: &[Span]) -> BResult<Vec<Typed>> {
        let mut out = Vec::with_capacity(args.len());
        for (t, span) in args.into_iter().zip(spans) {
            match t.ty {
                KqlType::Int | KqlType::Long | KqlType::Real | KqlType::Dynamic => out.push(t),
                KqlType::Decimal => out.push(self.convert(t, KqlType::Real)),
                other => {
                    return Err(self.error(
                        error::TYPE_MISMATCH,
                        *span,
                        format!("`{name}` takes numbers, not a {other}"),
                    ));
                }
            }
        }
        Ok(out)
    }

    /// Arguments of one type: numbers widen (any real or decimal makes them
    /// reals, else any long makes them longs); other types must be equal.
    fn common_args(&mut self, name: &str, args: Vec<Typed>, spans: &[Span]) -> BResult<(Vec<Typed>, KqlType)> {
        let Some(first) = args.first().map(|t| t.ty) else { return Ok((args, KqlType::Real)) };
        let ty = if args.iter().all(|t| t.ty.is_numeric()) {
            if args.iter().any(|t| matches!(t.ty, KqlType::Real | KqlType::Decimal)) {
                KqlType::Real
            } else if args.iter().any(|t| t.ty == KqlType::Long) {
                KqlType::Long
            } else {
                KqlType::Int
            }
        } else {
            if first == KqlType::Dynamic {
                return Err(self.error(error::TYPE_MISMATCH, spans[0], format!("`{name}` takes no dynamic values")));
            }
            if let Some((t, span)) = args.iter().zip(spans).find(|(t, _)| t.ty != first) {
                return Err(self.error(
                    error::TYPE_MISMATCH,
                    *span,
                    format!("the arguments of `{name}` must have one type: {first} and {}", t.ty),
                ));
            }
            first
        };
        let args = args.into_iter().map(|t| self.convert(t, ty)).collect();
        Ok((args, ty))
    }
}
