//! Shape expressions: the string params newer pnnx exports write where a
//! size depends on the input shapes (Reshape `6=`, Crop `19=`–`21=`, Interp
//! `9=`), e.g. `6="-1,*(0h,2),+(1c,2)"`. The syntax is ncnn's
//! (docs/developer-guide/expression.md): prefix operators `op(a,b)` nested
//! freely, a comma-separated list of results, `Nw`/`Nh`/`Nd`/`Nc` for a
//! size of input blob N (0–9), integer and decimal literals. Values are int
//! until an operation or literal makes them float; each result is truncated
//! to an int, as ncnn does.
//!
//! ncnn treats `(`, `)` and `,` all as separators and evaluates the tokens
//! as Polish notation, so the parentheses are decoration; this does the
//! same, but checks what ncnn assumes: known operators, enough operands,
//! integer operands for the bitwise ones, no overflow, finite results.

/// A size of an input blob: `0w` is the first input's width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Size {
    W,
    H,
    D,
    C,
    N,
}

#[derive(Clone, Debug)]
enum Token {
    Blob(usize, Size),
    Int(i32),
    Float(f32),
    Op(Op),
}

#[derive(Clone, Copy, Debug)]
enum Op {
    // Binary: int if both operands are int.
    Add,
    Sub,
    Mul,
    FloorDiv,
    Max,
    Min,
    // Unary: int stays int.
    Abs,
    Neg,
    Sign,
    Square,
    // To int.
    Trunc,
    Ceil,
    Floor,
    Round,
    // Unary, always float.
    Float(fn(f32) -> f32),
    // Binary, always float.
    Div,
    Atan2,
    Fmod,
    Pow,
    Remainder,
    LogAddExp,
    // Binary, int operands only.
    And,
    Or,
    Xor,
    Shl,
    Shr,
}

impl Op {
    fn parse(t: &str) -> Option<Op> {
        use Op::*;
        Some(match t {
            "+" => Add,
            "-" => Sub,
            "*" => Mul,
            "//" => FloorDiv,
            "max" => Max,
            "min" => Min,
            "abs" => Abs,
            "neg" => Neg,
            "sign" => Sign,
            "square" => Square,
            "trunc" => Trunc,
            "ceil" => Ceil,
            "floor" => Floor,
            "round" => Round,
            "acos" => Float(f32::acos),
            "acosh" => Float(f32::acosh),
            "asin" => Float(f32::asin),
            "asinh" => Float(f32::asinh),
            "atan" => Float(f32::atan),
            "atanh" => Float(f32::atanh),
            "cos" => Float(f32::cos),
            "cosh" => Float(f32::cosh),
            "erf" => Float(erf),
            "exp" => Float(f32::exp),
            "log" => Float(f32::ln),
            "log10" => Float(f32::log10),
            "reciprocal" => Float(|a| 1.0 / a),
            "rsqrt" => Float(|a| 1.0 / a.sqrt()),
            "sin" => Float(f32::sin),
            "sinh" => Float(f32::sinh),
            "sqrt" => Float(f32::sqrt),
            "tan" => Float(f32::tan),
            "tanh" => Float(f32::tanh),
            "/" => Div,
            "atan2" => Atan2,
            "fmod" => Fmod,
            "pow" => Pow,
            "remainder" => Remainder,
            "logaddexp" => LogAddExp,
            "and" => And,
            "or" => Or,
            "xor" => Xor,
            "lshift" => Shl,
            "rshift" => Shr,
            _ => return None,
        })
    }

    fn arity(self) -> usize {
        use Op::*;
        match self {
            Abs | Neg | Sign | Square | Trunc | Ceil | Floor | Round | Float(_) => 1,
            _ => 2,
        }
    }
}

/// erf to ~1e-7 (Abramowitz & Stegun 7.1.26 is too coarse near 0; this is
/// the series for small |x| and the continued-fraction-free complement
/// bound otherwise). Only shapes are computed with it, truncated to ints.
fn erf(x: f32) -> f32 {
    let x = x as f64;
    let r = if x.abs() < 2.0 {
        // Maclaurin series: 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1)).
        let (mut term, mut sum) = (x, x);
        for n in 1..40 {
            term *= -x * x / n as f64;
            sum += term / (2 * n + 1) as f64;
        }
        sum * std::f64::consts::FRAC_2_SQRT_PI
    } else {
        // Asymptotic erfc for |x| ≥ 2.
        let t = 1.0 / (1.0 + 0.5 * x.abs());
        let y = t
            * (-x * x - 1.26551223
                + t * (1.00002368
                    + t * (0.37409196
                        + t * (0.09678418
                            + t * (-0.18628806
                                + t * (0.27886807
                                    + t * (-1.13520398
                                        + t * (1.48851587
                                            + t * (-0.82215223 + t * 0.17087277)))))))))
                .exp();
        (1.0 - y) * x.signum()
    };
    r as f32
}

#[derive(Clone, Copy, Debug)]
enum Value {
    Int(i32),
    Float(f32),
}

impl Value {
    fn f(self) -> f32 {
        match self {
            Value::Int(i) => i as f32,
            Value::Float(f) => f,
        }
    }
}

/// A parsed shape expression.
#[derive(Clone, Debug)]
pub struct ShapeExpr {
    tokens: Vec<Token>,
    results: usize,
    blobs: usize,
}

impl ShapeExpr {
    /// Parses `text`; an error names the token that is wrong.
    pub fn parse(text: &str) -> Result<ShapeExpr, String> {
        let mut tokens = Vec::new();
        for t in text.split(['(', ')', ',']).filter(|t| !t.is_empty()) {
            let b = t.as_bytes();
            let token = if b.len() == 2 && b[0].is_ascii_digit() && b"whdcn".contains(&b[1]) {
                let size = match b[1] {
                    b'w' => Size::W,
                    b'h' => Size::H,
                    b'd' => Size::D,
                    b'c' => Size::C,
                    _ => Size::N,
                };
                Token::Blob((b[0] - b'0') as usize, size)
            } else if let Some(op) = Op::parse(t) {
                Token::Op(op)
            } else if let Ok(i) = t.parse::<i32>() {
                Token::Int(i)
            } else if let Ok(f) = t.parse::<f32>() {
                // ncnn: a decimal literal that is a whole number is an int.
                if f.fract() == 0.0 && f.abs() < 2_147_483_648.0 {
                    Token::Int(f as i32)
                } else {
                    Token::Float(f)
                }
            } else {
                return Err(format!("shape expression `{text}`: malformed token `{t}`"));
            };
            tokens.push(token);
        }
        // Depth check, right to left as the evaluation runs.
        let mut depth = 0usize;
        for t in tokens.iter().rev() {
            match t {
                Token::Op(op) => {
                    if depth < op.arity() {
                        return Err(format!(
                            "shape expression `{text}`: an operator lacks its operands"
                        ));
                    }
                    depth = depth - op.arity() + 1;
                }
                _ => depth += 1,
            }
        }
        if depth == 0 {
            return Err(format!("shape expression `{text}` is empty"));
        }
        let blobs = tokens
            .iter()
            .filter_map(|t| match t {
                Token::Blob(i, _) => Some(i + 1),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        Ok(ShapeExpr {
            tokens,
            results: depth,
            blobs,
        })
    }

    /// How many values the expression gives (Reshape's output rank).
    pub fn len(&self) -> usize {
        self.results
    }

    /// Always false: an empty expression does not parse.
    pub fn is_empty(&self) -> bool {
        self.results == 0
    }

    /// How many input blobs it refers to (the highest index + 1).
    pub fn blob_count(&self) -> usize {
        self.blobs
    }

    /// Evaluates against the input shapes, each `[w, h, d, c]` as ncnn's
    /// `Mat::shape()` gives them (sizes past a blob's dims are 1).
    pub fn eval(&self, shapes: &[[usize; 4]]) -> Result<Vec<i32>, String> {
        let mut stack: Vec<Value> = Vec::with_capacity(self.tokens.len());
        let overflow = || "shape expression overflows".to_string();
        for t in self.tokens.iter().rev() {
            let v = match *t {
                Token::Blob(i, s) => {
                    let sh = shapes.get(i).ok_or_else(|| {
                        format!(
                            "shape expression refers to input {i}, the layer has {}",
                            shapes.len()
                        )
                    })?;
                    let v = match s {
                        Size::W => sh[0],
                        Size::H => sh[1],
                        Size::D => sh[2],
                        Size::C => sh[3],
                        // ncnn's batch size; Octet's blobs are one sample.
                        Size::N => 1,
                    };
                    Value::Int(i32::try_from(v).map_err(|_| overflow())?)
                }
                Token::Int(i) => Value::Int(i),
                Token::Float(f) => Value::Float(f),
                Token::Op(op) => {
                    // The parse checked the depth.
                    let a = stack.pop().ok_or_else(overflow)?;
                    let b = if op.arity() == 2 {
                        stack.pop().ok_or_else(overflow)?
                    } else {
                        Value::Int(0)
                    };
                    apply(op, a, b)?
                }
            };
            stack.push(v);
        }
        stack
            .iter()
            .rev()
            .map(|v| match *v {
                Value::Int(i) => Ok(i),
                Value::Float(f) if f.is_finite() && f.abs() < 2_147_483_648.0 => Ok(f as i32),
                Value::Float(f) => Err(format!("shape expression gives {f}, not a size")),
            })
            .collect()
    }
}

fn apply(op: Op, a: Value, b: Value) -> Result<Value, String> {
    use Op::*;
    use Value::{Float as F, Int as I};
    let overflow = || "shape expression overflows".to_string();
    Ok(match (op, a, b) {
        (Add | Sub | Mul | FloorDiv | Max | Min, I(a), I(b)) => I(match op {
            Add => a.checked_add(b).ok_or_else(overflow)?,
            Sub => a.checked_sub(b).ok_or_else(overflow)?,
            Mul => a.checked_mul(b).ok_or_else(overflow)?,
            // ncnn divides ints as C does (toward zero).
            FloorDiv if b == 0 => return Err("shape expression divides by zero".into()),
            FloorDiv => a.checked_div(b).ok_or_else(overflow)?,
            Max => a.max(b),
            _ => a.min(b),
        }),
        (Add | Sub | Mul | FloorDiv | Max | Min, a, b) => {
            let (a, b) = (a.f(), b.f());
            F(match op {
                Add => a + b,
                Sub => a - b,
                Mul => a * b,
                FloorDiv => (a / b).floor(),
                Max => a.max(b),
                _ => a.min(b),
            })
        }
        (Abs | Neg | Sign | Square, I(a), _) => I(match op {
            Abs => a.checked_abs().ok_or_else(overflow)?,
            Neg => a.checked_neg().ok_or_else(overflow)?,
            Sign => a.signum(),
            _ => a.checked_mul(a).ok_or_else(overflow)?,
        }),
        (Abs | Neg | Sign | Square, F(a), _) => F(match op {
            Abs => a.abs(),
            Neg => -a,
            Sign if a > 0.0 => 1.0,
            Sign if a == 0.0 => 0.0,
            Sign => -1.0,
            _ => a * a,
        }),
        (Trunc | Ceil | Floor | Round, I(a), _) => I(a),
        (Trunc | Ceil | Floor | Round, F(a), _) => {
            let r = match op {
                Trunc => a.trunc(),
                Ceil => a.ceil(),
                Floor => a.floor(),
                _ => a.round(),
            };
            if !(r.is_finite() && r.abs() < 2_147_483_648.0) {
                return Err(format!("shape expression gives {r}, not a size"));
            }
            I(r as i32)
        }
        (Float(f), a, _) => F(f(a.f())),
        (Div | Atan2 | Fmod | Pow | Remainder | LogAddExp, a, b) => {
            let (a, b) = (a.f(), b.f());
            F(match op {
                Div => a / b,
                Atan2 => a.atan2(b),
                Fmod => a % b,
                Pow => a.powf(b),
                Remainder => {
                    let r = a % b;
                    if a * b < 0.0 {
                        r + b
                    } else {
                        r
                    }
                }
                _ => (a.exp() + b.exp()).ln(),
            })
        }
        (And | Or | Xor | Shl | Shr, I(a), I(b)) => I(match op {
            And => a & b,
            Or => a | b,
            Xor => a ^ b,
            Shl => u32::try_from(b)
                .ok()
                .and_then(|b| a.checked_shl(b))
                .ok_or_else(overflow)?,
            _ => u32::try_from(b)
                .ok()
                .and_then(|b| a.checked_shr(b))
                .ok_or_else(overflow)?,
        }),
        (And | Or | Xor | Shl | Shr, _, _) => {
            return Err("shape expression: bitwise operator on a decimal value".into())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(e: &str, shapes: &[[usize; 4]]) -> Result<Vec<i32>, String> {
        ShapeExpr::parse(e)?.eval(shapes)
    }

    #[test]
    fn ncnn_documented_examples() {
        let a = [4, 5, 1, 6];
        let b = [7, 8, 1, 9];
        assert_eq!(eval("max(2,3)", &[]), Ok(vec![3]));
        assert_eq!(eval("floor(sin(3.14))", &[]), Ok(vec![0]));
        assert_eq!(eval("+(*(-2,1),10)", &[]), Ok(vec![8]));
        assert_eq!(eval("1,2,+(3,2)", &[]), Ok(vec![1, 2, 5]));
        assert_eq!(eval("0w,1h", &[a, b]), Ok(vec![4, 8]));
        assert_eq!(eval("*(+(0c,1c),2)", &[a, b]), Ok(vec![30]));
        assert_eq!(eval("-1,*(0h,2),+(1c,2)", &[a, b]), Ok(vec![-1, 10, 11]));
        assert_eq!(eval("/(0w,2),*(0h,2),0c", &[a]), Ok(vec![2, 10, 6]));
    }

    #[test]
    fn int_and_float_rules() {
        // Int division truncates toward zero; float floor division floors.
        assert_eq!(eval("//(-7,2)", &[]), Ok(vec![-3]));
        assert_eq!(eval("//(-7.5,2)", &[]), Ok(vec![-4]));
        // A float result is truncated.
        assert_eq!(eval("/(7,2)", &[]), Ok(vec![3]));
        assert_eq!(eval("-(0,2.5)", &[]), Ok(vec![-2]));
        assert_eq!(
            eval("ceil(/(7,2)),round(2.5),trunc(-2.7)", &[]),
            Ok(vec![4, 3, -2])
        );
        assert_eq!(eval("remainder(-7,3),fmod(-7,3)", &[]), Ok(vec![2, -1]));
        assert_eq!(
            eval("lshift(3,2),rshift(17,2),and(6,3),or(4,1),xor(5,1)", &[]),
            Ok(vec![12, 4, 2, 5, 4])
        );
        assert_eq!(
            eval("sign(-4),abs(-4),neg(4),square(-3)", &[]),
            Ok(vec![-1, 4, -4, 9])
        );
        assert_eq!(
            eval("erf(3),exp(0),sqrt(16),pow(2,10)", &[]),
            Ok(vec![0, 1, 4, 1024])
        );
        // 1-D / 2-D blobs: sizes past their dims are 1.
        assert_eq!(eval("0d,0c", &[[3, 1, 1, 1]]), Ok(vec![1, 1]));
    }

    #[test]
    fn erf_is_accurate() {
        for (x, want) in [
            (0.5f32, 0.5204999f32),
            (1.0, 0.8427008),
            (2.5, 0.999593),
            (-1.5, -0.9661051),
        ] {
            assert!((erf(x) - want).abs() < 1e-6, "erf({x}) = {}", erf(x));
        }
    }

    #[test]
    fn counts() {
        let e = ShapeExpr::parse("-1,*(0h,2),+(1c,2)").unwrap();
        assert_eq!((e.len(), e.blob_count()), (3, 2));
        assert_eq!(ShapeExpr::parse("1,2").unwrap().blob_count(), 0);
    }

    #[test]
    fn bad_expressions_are_errors() {
        for e in ["", "+(1)", "foo(1,2)", "1,bar", "max(", "-(,)"] {
            assert!(ShapeExpr::parse(e).is_err(), "{e}");
        }
        for e in [
            "//(1,0)",
            "*(65536,65536)",
            "/(1,0)",
            "and(1.5,2)",
            "lshift(1,40)",
            "2w",
            "log(0)",
        ] {
            assert!(eval(e, &[[1, 1, 1, 1]]).is_err(), "{e}");
        }
    }
}
