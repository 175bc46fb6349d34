// The grammar of `.mlp` (see LANGUAGE.md). ANTLR generates the C++ lexer and
// parser from it (lang/CMakeLists.txt); frontend/Parser.cpp turns the parse
// tree into the AST of frontend/AST.h.
//
// Newlines: the lexer emits every line break as NEWLINE, and
// frontend/NewlineFilter drops the ones that do not end a statement or block
// item (inside ( ) and [ ], after an operator or ',', before a line starting
// with '|>', ...). So NEWLINE below always means "the item ends here".
//
// Strings are one token each; the AST builder splits out `{expr:spec}`
// interpolations and parses each expression with the `exprOnly` rule.
grammar Mlp;

@parser::members {
  /// True when the next token is the identifier `word`: `table` and `trained`
  /// are ordinary names everywhere except at the start of a type.
  bool isWord(const char *word) { return _input->LT(1)->getText() == word; }
}

//===----------------------------------------------------------------------===//
// Programs and statements
//===----------------------------------------------------------------------===//

program : sep* (stmt (sep+ stmt)* sep*)? EOF ;

/// Ends a top-level statement.
sep : NEWLINE | ';' ;

/// Ends an item inside `{ }`: fn bodies, model bodies, train/fit settings.
bsep : NEWLINE | ';' | ',' ;

/// Entry point for the expression inside a string's `{...}`.
exprOnly : expr EOF ;

stmt
  : 'let' letNames (':' type)? '=' expr                           # letStmt
  | 'param' ID (':' type)? '=' expr                               # paramStmt
  | 'fn' ID '(' params? ')' ('->' type)? block                    # fnStmt
  | 'print' expr                                                  # printStmt
  | 'return' expr?                                                # returnStmt
  | 'data' ID '=' (transform | expr)                              # dataStmt
  | 'model' ID ('(' params? ')')? modelBody                       # modelStmt
  | kind=('train' | 'fit') ID '=' expr 'on' expr settings         # trainStmt
  | 'plot' expr 'to' expr                                         # plotStmt
  | 'save' expr 'to' expr                                         # saveStmt
  | 'import' STRING                                               # importStmt
  | expr                                                          # exprStmt
  ;

/// `x` or the tuple pattern `(a, b)`.
letNames : ID | '(' ID (',' ID)* ','? ')' ;

/// `data prep = |> step |> step`: a reusable transform.
transform : '|>' expr ;

params : param (',' param)* ','? ;
param : ID (':' type)? ('=' expr)? ;

/// A block of statements; the last bare expression is its value.
block : '{' bsep* (stmt (bsep+ stmt)* bsep*)? '}' ;

modelBody : '{' bsep* (modelItem (bsep+ modelItem)* bsep*)? '}' ;

modelItem
  : ID '(' params? ')' '=' expr                                   # forwardItem
  | ID '=' expr                                                   # layerItem
  | expr                                                          # stageItem
  ;

/// `train`/`fit` settings: `key = value` items.
settings : '{' bsep* (setting (bsep+ setting)* bsep*)? '}' ;
setting : anyName '=' expr ;

//===----------------------------------------------------------------------===//
// Expressions, tightest first
//===----------------------------------------------------------------------===//

expr
  : primary                                                       # primaryExpr
  | expr '(' args? ')'                                            # callExpr
  | expr '[' indexItem (',' indexItem)* ','? ']'                  # indexExpr
  | expr '.' anyName                                              # memberExpr
  | <assoc=right> expr '^' expr                                   # powExpr
  | '-' expr                                                      # negExpr
  | expr op=('*' | '/' | '@' | '%') expr                          # mulExpr
  | expr op=('+' | '-') expr                                      # addExpr
  | expr '..' expr                                                # rangeExpr
  | expr op=('<' | '<=' | '>' | '>=' | '==' | '!=') expr          # cmpExpr
  | 'not' expr                                                    # notExpr
  | expr 'and' expr                                               # andExpr
  | expr 'or' expr                                                # orExpr
  | expr '|>' expr                                                # pipeExpr
  ;

/// `( )` holds one expression, or a tuple when there is a comma: one
/// alternative, so that the parser decides at `(` without lookahead.
primary
  : INT                                                           # intLit
  | FLOAT                                                         # floatLit
  | STRING                                                        # stringLit
  | ('true' | 'false')                                            # boolLit
  | ID                                                            # nameExpr
  | '(' expr (',' expr)* ','? ')'                                 # parenExpr
  | '[' (expr (',' expr)* ','?)? ']'                              # listExpr
  | 'if' expr 'then' expr 'else' expr                             # ifExpr
  | 'for' ID 'in' expr ('with' '(' stateInit (',' stateInit)* ','? ')')? block  # forExpr
  | 'load' expr 'from' primary                                    # loadExpr
  | '{' bsep* recordField (bsep+ recordField)* bsep* '}'            # recordExpr
  | block                                                         # blockExpr
  ;

/// `f(a, k: b)`; `mutate(c = expr)` defines a column.
args : arg (',' arg)* ','? ;
arg
  : anyName ':' expr                                              # namedArg
  | anyName '=' expr                                              # assignArg
  | expr                                                          # positionalArg
  ;

/// `i`, `:`, `1:3`, `:3`, `1:`. (One alternative per first token, so that
/// errors inside an index surface at the offending token.)
indexItem
  : lo=expr (':' hi=expr?)?
  | ':' hi=expr?
  ;

stateInit : ID '=' expr ;

/// `{zip: str, id: str}`: names with values (csv's `types:`).
recordField : anyName ':' expr ;

/// Argument names, member names and column names may be keywords (`on:`).
anyName
  : ID | 'let' | 'param' | 'data' | 'model' | 'train' | 'fit' | 'fn'
  | 'return' | 'if' | 'then' | 'else' | 'for' | 'in' | 'with' | 'on' | 'to'
  | 'from' | 'save' | 'load' | 'print' | 'plot' | 'import' | 'true'
  | 'false' | 'and' | 'or' | 'not'
  ;

//===----------------------------------------------------------------------===//
// Types as written: f32, f32[N, 784], table{a: f32}, model Net, trained Net,
// (f32, f32)
//===----------------------------------------------------------------------===//

type
  : '(' type (',' type)+ ','? ')'                                 # tupleType
  | 'model' ID                                                    # modelType
  | {isWord("trained")}? ID ID                                    # trainedType
  | {isWord("table")}? ID '{' bsep* field (bsep+ field)* bsep* '}'  # tableType
  | ID ('[' dim (',' dim)* ','? ']')?                             # namedType
  ;

field : anyName ':' type ;
dim : INT | ID ;

//===----------------------------------------------------------------------===//
// Tokens
//===----------------------------------------------------------------------===//

LET : 'let' ;
PARAM : 'param' ;
DATA : 'data' ;
MODEL : 'model' ;
TRAIN : 'train' ;
FIT : 'fit' ;
FN : 'fn' ;
RETURN : 'return' ;
IF : 'if' ;
THEN : 'then' ;
ELSE : 'else' ;
FOR : 'for' ;
IN : 'in' ;
WITH : 'with' ;
ON : 'on' ;
TO : 'to' ;
FROM : 'from' ;
SAVE : 'save' ;
LOAD : 'load' ;
PRINT : 'print' ;
PLOT : 'plot' ;
IMPORT : 'import' ;
TRUE : 'true' ;
FALSE : 'false' ;
AND : 'and' ;
OR : 'or' ;
NOT : 'not' ;

PIPE : '|>' ;
ARROW : '->' ;
DOTDOT : '..' ;
LE : '<=' ;
GE : '>=' ;
EQ : '==' ;
NE : '!=' ;
LT : '<' ;
GT : '>' ;
ASSIGN : '=' ;
PLUS : '+' ;
MINUS : '-' ;
STAR : '*' ;
SLASH : '/' ;
AT : '@' ;
PERCENT : '%' ;
CARET : '^' ;
DOT : '.' ;
COMMA : ',' ;
COLON : ':' ;
SEMI : ';' ;
LPAREN : '(' ;
RPAREN : ')' ;
LBRACK : '[' ;
RBRACK : ']' ;
LBRACE : '{' ;
RBRACE : '}' ;

/// `1.` is not a float, so that `0..10` lexes as 0 .. 10.
FLOAT : DIGITS '.' DIGITS EXPONENT? | DIGITS EXPONENT ;
INT : DIGITS ;

/// A whole string literal, interpolations included; no line breaks inside.
STRING : '"' (ESCAPE | ~["\\\r\n])* '"' ;
/// A string missing its closing quote: the parser reports it.
UNTERMINATED_STRING : '"' (ESCAPE | ~["\\\r\n])* ;

ID : [A-Za-z_] [A-Za-z0-9_]* ;

NEWLINE : '\r'? '\n' | '\r' ;
WS : [ \t\f]+ -> skip ;
BYTE_ORDER_MARK : '\uFEFF' -> skip ;
COMMENT : '#' ~[\r\n]* -> skip ;

/// Any other character: the parser reports it as unexpected.
ERROR_CHAR : . ;

fragment DIGITS : [0-9]+ ;
fragment EXPONENT : [eE] [+-]? DIGITS ;
fragment ESCAPE : '\\' ~[\r\n] ;
