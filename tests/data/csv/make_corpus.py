#!/usr/bin/env python3
"""Writes the CSV corpus of tests/data/csv: one <case>.csv per way real files
are written (Excel, LibreOffice, pandas, database exports, hand edits) and its
<case>.expected.json, the rows and dead letters csv-producer must send.

The files are committed; this script documents how each was made (encodings
and line endings are easier to read here than in the bytes) and rewrites them.

expected.json members:
  args     extra csv-producer flags (optional)
  rows     the row values in record order; decimals as JSON numbers with the
           digits the topic must carry
  dlq      dead letters: {"line": first line, "reason": reason prefix}
  columns  (optional) the column list the reset message must carry
"""

import json
import pathlib

HERE = pathlib.Path(__file__).resolve().parent

CASES = {}


class N(str):
    """A number in expected rows, written to JSON with exactly these digits."""


def dump(value):
    """JSON text of value, N numbers written with their exact digits."""
    if isinstance(value, N):
        return str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(json.dumps(k, ensure_ascii=False) + ": " + dump(v)
                               for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",\n ".join(dump(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def case(name, data, rows, dlq=(), args=(), columns=None, dialect=None,
         log=None):
    """log: text the producer's log must hold (a notice a user needs)."""
    CASES[name] = (data, {"args": list(args), "rows": rows, "dlq": list(dlq),
                          **({"columns": columns} if columns else {}),
                          **({"dialect": dialect} if dialect else {}),
                          **({"log": log} if log else {})})


def crlf(text):
    return text.replace("\n", "\r\n")


SEED_ROWS = [
    {"id": 1, "nome": "João Silva", "idade": 28, "cidade": "São Paulo", "valor": N("1500.50")},
    {"id": 2, "nome": "Maria Conceição", "idade": 35, "cidade": "Brasília", "valor": N("2300.00")},
    {"id": 3, "nome": "José Araújo", "idade": 42, "cidade": "Goiânia", "valor": N("890.75")},
    {"id": 4, "nome": "Ângela Müller", "idade": 51, "cidade": "Florianópolis", "valor": N("1234567.89")},
]
PTBR = ("id;nome;idade;cidade;valor\n"
        "1;João Silva;28;São Paulo;1.500,50\n"
        "2;Maria Conceição;35;Brasília;2.300,00\n"
        "3;José Araújo;42;Goiânia;890,75\n"
        "4;Ângela Müller;51;Florianópolis;1.234.567,89\n")
SEED_COLUMNS = [{"name": "id", "type": "integer"}, {"name": "nome", "type": "text"},
                {"name": "idade", "type": "integer"}, {"name": "cidade", "type": "text"},
                {"name": "valor", "type": "decimal"}]

# Excel pt-BR "CSV (separado por vírgulas)": ';', decimal comma, thousands
# dots, Windows-1252, CRLF.
case("excel_ptbr_cp1252", crlf(PTBR).encode("cp1252"), SEED_ROWS, columns=SEED_COLUMNS,
     dialect={"delimiter": ";", "newline": "crlf", "encoding": "WINDOWS-1252"},
     log="reading the file as WINDOWS-1252")
# Excel for Mac, "CSV (Macintosh)": Mac OS Roman, CR-only lines. Read as
# Windows-1252 it would arrive as "S‹o Paulo" (silently wrong).
case("excel_mac_roman", PTBR.replace("\n", "\r").encode("mac_roman"), SEED_ROWS,
     columns=SEED_COLUMNS,
     dialect={"delimiter": ";", "newline": "cr", "encoding": "MACINTOSH"},
     log="reading the file as MACINTOSH")
# Excel en-US with #,##0 number formats: quoted "1,234" and "1,234.56". The
# decimal points of the file say "1,234" is 1234, not 1.234.
case("excel_enus_thousands",
     crlf('id,produto,qtd,preco,total\n'
          '1,Caneta,"1,234",2.50,"3,085.00"\n'
          '2,Caderno,12,13.75,165.00\n'
          '3,Mochila,"12,500",89.90,"1,123,750.00"\n').encode(),
     [{"id": 1, "produto": "Caneta", "qtd": 1234, "preco": N("2.50"), "total": N("3085.00")},
      {"id": 2, "produto": "Caderno", "qtd": 12, "preco": N("13.75"), "total": N("165.00")},
      {"id": 3, "produto": "Mochila", "qtd": 12500, "preco": N("89.90"),
       "total": N("1123750.00")}],
     columns=[{"name": "id", "type": "integer"}, {"name": "produto", "type": "text"},
              {"name": "qtd", "type": "integer"}, {"name": "preco", "type": "decimal"},
              {"name": "total", "type": "decimal"}])
# "1,234" and nothing else to tell: a decimal comma (as pt-BR files), said
# in the log; --decimal-point reads it as thousands.
LONE = 'id,qtd\n1,"1,234"\n2,"12,500"\n3,7\n'
case("lone_thousands_guess", LONE.encode(),
     [{"id": 1, "qtd": N("1.234")}, {"id": 2, "qtd": N("12.500")}, {"id": 3, "qtd": 7}],
     log="event=number_guess source=")
case("lone_thousands_decimal_point", LONE.encode(),
     [{"id": 1, "qtd": 1234}, {"id": 2, "qtd": 12500}, {"id": 3, "qtd": 7}],
     args=["--decimal-point"])
# The same with Excel's "sep=;" first line, and as UTF-8 with BOM.
case("excel_sep_line", crlf("sep=;\n" + PTBR).encode("cp1252"), SEED_ROWS,
     dialect={"delimiter": ";", "sep_line": True})
case("excel_utf8_bom", b"\xef\xbb\xbf" + crlf(PTBR).encode("utf-8"), SEED_ROWS)
# Excel "Unicode text": UTF-16 LE with BOM, TAB separated, CRLF.
TSV = ("id\tnome\tidade\tcidade\tvalor\n"
       "1\tJoão Silva\t28\tSão Paulo\t1500.50\n"
       "2\tMaria Conceição\t35\tBrasília\t2300.00\n"
       "3\tJosé Araújo\t42\tGoiânia\t890.75\n"
       "4\tÂngela Müller\t51\tFlorianópolis\t1234567.89\n")
case("utf16le_bom_tab", b"\xff\xfe" + crlf(TSV).encode("utf-16-le"), SEED_ROWS,
     dialect={"delimiter": "\t", "newline": "crlf", "encoding": "UTF-16LE"})
case("utf16be_bom_comma", b"\xfe\xff" + TSV.replace("\t", ",").encode("utf-16-be"),
     SEED_ROWS)
# UTF-16 without a byte order mark (PowerShell's Out-File -Encoding
# unicode in some versions, some exporters): recognised by its NUL bytes.
case("utf16le_no_bom_semicolon",
     crlf(TSV.replace("\t", ";")).encode("utf-16-le"), SEED_ROWS,
     dialect={"delimiter": ";", "newline": "crlf", "encoding": "UTF-16LE"},
     log="event=encoding")
case("utf16be_no_bom_comma", TSV.replace("\t", ",").encode("utf-16-be"),
     SEED_ROWS, dialect={"delimiter": ",", "encoding": "UTF-16BE"},
     log="no byte order mark, but the text is UTF-16BE")
case("tab_separated", TSV.encode(), SEED_ROWS)
case("pipe_separated", TSV.replace("\t", "|").encode(), SEED_ROWS)
# Old Mac / some exporters: CR-only line endings.
case("cr_only", TSV.replace("\t", ",").replace("\n", "\r").encode(), SEED_ROWS,
     dialect={"delimiter": ",", "newline": "cr"})
# A forced delimiter wins over detection.
case("forced_delimiter", b"a;b,c\n1;2,3\n4;5,6\n",
     [{"a;b": "1;2", "c": 3}, {"a;b": "4;5", "c": 6}], args=["--delimiter", ","])
# A header that no delimiter splits is one column: the commas and
# semicolons of its text stay text (nothing goes to the dead letters).
case("one_column_text_commas",
     "comentario\nOlá, tudo bem\nBom dia; até logo\nSim|não\n".encode(),
     [{"comentario": "Olá, tudo bem"}, {"comentario": "Bom dia; até logo"},
      {"comentario": "Sim|não"}],
     dialect={"delimiter": None})
# The only delimiters are inside quotes: still one column.
case("one_column_quoted", b'"nota"\n"a,b"\nx, y\n7\n',
     [{"nota": "a,b"}, {"nota": "x, y"}, {"nota": "7"}], dialect={"delimiter": None})
# A header alone: its columns, no rows.
case("header_only", b"id;nome;valor\r\n", [], dialect={"delimiter": ";"})
# Commas in the text of a ';' file and of a TAB file whose header has one.
case("semicolon_text_commas",
     "nome;comentario;valor\nAna;Olá, tudo bem;1,50\nBia;sim, não, talvez;2,25\n".encode(),
     [{"nome": "Ana", "comentario": "Olá, tudo bem", "valor": N("1.50")},
      {"nome": "Bia", "comentario": "sim, não, talvez", "valor": N("2.25")}],
     dialect={"delimiter": ";"})
case("tab_text_commas",
     "nome\tcidade, estado\nAna\tSão Paulo, SP\nBia\tRio de Janeiro, RJ\n".encode(),
     [{"nome": "Ana", "cidade, estado": "São Paulo, SP"},
      {"nome": "Bia", "cidade, estado": "Rio de Janeiro, RJ"}],
     dialect={"delimiter": "\t"})

# One unclosed quote costs one record; parsing resumes at the next line.
case("unclosed_quote",
     b'id,nome,valor\n1,Ana,1.00\n2,Bob,"x\n3,Cid,3.00\n4,Dan,4.00\n',
     [{"id": 1, "nome": "Ana", "valor": N("1.00")}, {"id": 3, "nome": "Cid", "valor": N("3.00")},
      {"id": 4, "nome": "Dan", "valor": N("4.00")}],
     dlq=[{"line": 3, "reason": "unterminated quoted field from line 3"}])
# An unclosed quote in the very last record.
case("unclosed_quote_at_end", b'id,nome\n1,Ana\n2,"Bob\n',
     [{"id": 1, "nome": "Ana"}],
     dlq=[{"line": 3, "reason": "unterminated quoted field from line 3"}])
# The last line has no newline: --exit-at-eof sends it.
case("no_final_newline", b"id,nome,valor\n1,Ana,1.50\n2,Bia,2.25",
     [{"id": 1, "nome": "Ana", "valor": N("1.50")}, {"id": 2, "nome": "Bia", "valor": N("2.25")}])

# Missing-value markers in a numeric column: the column stays numeric, the
# markers arrive as text, no row is lost.
case("missing_markers",
     b"id,valor,qtd\n1,10.50,3\n2,N/A,4\n3,-,\n4,NaN,n/d\n5,20.25,7\n",
     [{"id": 1, "valor": N("10.50"), "qtd": 3}, {"id": 2, "valor": "N/A", "qtd": 4},
      {"id": 3, "valor": "-", "qtd": None}, {"id": 4, "valor": "NaN", "qtd": "n/d"},
      {"id": 5, "valor": N("20.25"), "qtd": 7}],
     columns=[{"name": "id", "type": "integer"}, {"name": "valor", "type": "decimal"},
              {"name": "qtd", "type": "integer"}])
# Excel pt-BR with the integer format "#.##0" and no decimal anywhere: the
# '.' of "12.345.678" can only be a thousands separator, so "1.234" in the
# same column is 1234 too (it was sent as 1.234).
case("excel_ptbr_thousands_only",
     crlf("id;produto;quantidade\n1;Caneta;1.234\n2;Papel;12.345.678\n3;Lápis;999\n"
          ).encode("cp1252"),
     [{"id": 1, "produto": "Caneta", "quantidade": N("1234")},
      {"id": 2, "produto": "Papel", "quantidade": N("12345678")},
      {"id": 3, "produto": "Lápis", "quantidade": N("999")}],
     columns=[{"name": "id", "type": "integer"}, {"name": "produto", "type": "text"},
              {"name": "quantidade", "type": "integer"}])
# pandas DataFrame.to_csv(): the index as a first column with an empty
# name, NaN as an empty cell, floats as Python's repr, which uses scientific
# notation for small and large values (the column was taken for text).
case("pandas_to_csv",
     b",id,valor,taxa\n0,1,1500.5,1e-05\n1,2,,0.30000000000000004\n"
     b"2,3,2.5e+20,-3.2e-07\n3,4,0.1,1.5E-3\n",
     [{"column_1": 0, "id": 1, "valor": N("1500.5"), "taxa": N("0.00001")},
      {"column_1": 1, "id": 2, "valor": None, "taxa": N("0.30000000000000004")},
      {"column_1": 2, "id": 3, "valor": N("250000000000000000000"), "taxa": N("-0.00000032")},
      {"column_1": 3, "id": 4, "valor": N("0.1"), "taxa": N("0.0015")}],
     columns=[{"name": "column_1", "type": "integer"}, {"name": "id", "type": "integer"},
              {"name": "valor", "type": "decimal"}, {"name": "taxa", "type": "decimal"}])
# Written by hand with a space after each comma: the numbers are numbers
# (the columns became text), text keeps its spaces.
case("spaces_after_commas",
     b"id, nome, valor\n1, Ana, 10.50\n2, Bia, 7\n",
     [{"id": 1, " nome": " Ana", " valor": N("10.50")},
      {"id": 2, " nome": " Bia", " valor": N("7")}],
     columns=[{"name": "id", "type": "integer"}, {"name": " nome", "type": "text"},
              {"name": " valor", "type": "decimal"}])
# Numbers of any length, exact.
case("big_numbers",
     b"id,conta,valor\n"
     b"1,12345678901234567890,99999999999999999999.99\n"
     b"2,-98765432109876543210123,0.0000000000000000000001\n"
     b"3,7,99999999999999.99\n"
     b"4,8,0.000001\n",
     [{"id": 1, "conta": N("12345678901234567890"), "valor": N("99999999999999999999.99")},
      {"id": 2, "conta": N("-98765432109876543210123"), "valor": N("0.0000000000000000000001")},
      {"id": 3, "conta": N("7"), "valor": N("99999999999999.99")},
      {"id": 4, "conta": N("8"), "valor": N("0.000001")}])
# Leading zeros are identifiers, not numbers: CEP, product codes.
case("leading_zeros",
     b"id,cep,codigo,qtd\n1,01310100,007,5\n2,20040002,08123,6\n3,70040010,42,0\n",
     [{"id": 1, "cep": "01310100", "codigo": "007", "qtd": 5},
      {"id": 2, "cep": "20040002", "codigo": "08123", "qtd": 6},
      {"id": 3, "cep": "70040010", "codigo": "42", "qtd": 0}],
     columns=[{"name": "id", "type": "integer"}, {"name": "cep", "type": "text"},
              {"name": "codigo", "type": "text"}, {"name": "qtd", "type": "integer"}])
# Currency cells as Excel and LibreOffice save them "as shown": Excel pt-BR
# "R$ 1.234,56" (negatives "-R$ 2,50"), en-US "$1,234.56" and the
# accounting "($5.00)", LibreOffice de/fr "1.234,56 €" with a no-break
# space. The number is sent, the symbol is said once in the reset's
# columns; a cell in another currency stays text, exactly as written.
case("excel_ptbr_currency",
     crlf("id;produto;valor\n"
          "1;Caneta;R$ 1.234,56\n"
          "2;Lápis;-R$ 2,50\n"
          "3;Borracha;R$ 0,99\n"
          "4;Importado;US$ 10,00\n").encode("cp1252"),
     [{"id": 1, "produto": "Caneta", "valor": N("1234.56")},
      {"id": 2, "produto": "Lápis", "valor": N("-2.50")},
      {"id": 3, "produto": "Borracha", "valor": N("0.99")},
      {"id": 4, "produto": "Importado", "valor": "US$ 10,00"}],
     columns=[{"name": "id", "type": "integer"}, {"name": "produto", "type": "text"},
              {"name": "valor", "type": "decimal", "unit": "R$"}])
case("excel_enus_currency",
     crlf('id,item,price\n'
          '1,Pen,"$1,234.50"\n'
          '2,Refund,($5.00)\n'
          '3,Gum,$0.99\n').encode(),
     [{"id": 1, "item": "Pen", "price": N("1234.50")},
      {"id": 2, "item": "Refund", "price": N("-5.00")},
      {"id": 3, "item": "Gum", "price": N("0.99")}],
     columns=[{"name": "id", "type": "integer"}, {"name": "item", "type": "text"},
              {"name": "price", "type": "decimal", "unit": "$"}])
case("libreoffice_euro",
     ("id;artikel;preis\n"
      "1;Stift;1.234,56\u00a0€\n"
      "2;Heft;-0,99\u00a0€\n"
      "3;Block;7,00\u00a0€\n").encode(),
     [{"id": 1, "artikel": "Stift", "preis": N("1234.56")},
      {"id": 2, "artikel": "Heft", "preis": N("-0.99")},
      {"id": 3, "artikel": "Block", "preis": N("7.00")}],
     columns=[{"name": "id", "type": "integer"}, {"name": "artikel", "type": "text"},
              {"name": "preis", "type": "decimal", "unit": "€"}])

# fr-FR "as shown": thousands grouped with a no-break space (Excel,
# Windows-1252 0xA0) or a narrow one (LibreOffice, U+202F), percentages
# "12,50%" or "10 %". The numbers arrive plain; "%" is the column's unit.
case("excel_frfr_cp1252",
     crlf("id;produit;montant;remise\n"
          "1;Stylo;1\u00a0234,56\u00a0€;12,50%\n"
          "2;Cahier;12\u00a0345\u00a0678,90\u00a0€;-3,00%\n"
          "3;Gomme;0,99\u00a0€;0,00%\n").encode("cp1252"),
     [{"id": 1, "produit": "Stylo", "montant": N("1234.56"), "remise": N("12.50")},
      {"id": 2, "produit": "Cahier", "montant": N("12345678.90"), "remise": N("-3.00")},
      {"id": 3, "produit": "Gomme", "montant": N("0.99"), "remise": N("0.00")}],
     columns=[{"name": "id", "type": "integer"}, {"name": "produit", "type": "text"},
              {"name": "montant", "type": "decimal", "unit": "€"},
              {"name": "remise", "type": "decimal", "unit": "%"}])
case("libreoffice_frfr_narrow_space",
     ("id;ville;habitants;part\n"
      "1;Paris;2\u202f102\u202f650;3,1 %\n"
      "2;Lyon;522\u202f250;0,8 %\n"
      "3;Nice;348\u202f085;0,5 %\n").encode(),
     [{"id": 1, "ville": "Paris", "habitants": 2102650, "part": N("3.1")},
      {"id": 2, "ville": "Lyon", "habitants": 522250, "part": N("0.8")},
      {"id": 3, "ville": "Nice", "habitants": 348085, "part": N("0.5")}],
     columns=[{"name": "id", "type": "integer"}, {"name": "ville", "type": "text"},
              {"name": "habitants", "type": "integer"},
              {"name": "part", "type": "decimal", "unit": "%"}])

# Duplicate and empty header names get unique names.
case("header_names", b"valor,valor,,nome,\n1.5,2.5,x,Ana,y\n",
     [{"valor": N("1.5"), "valor_2": N("2.5"), "column_3": "x", "nome": "Ana", "column_5": "y"}])

# RFC 4180 and what spreadsheets add: quoted delimiters, doubled quotes,
# newlines inside quotes, empty fields, scripts beyond Latin, JSON in a cell.
case("rfc4180",
     ('id,texto,obs\n'
      '1,"Silva, João","a ""quoted"" word"\n'
      '2,"line one\nline two",\n'
      '3,,""\n'
      '4,日本語 テキスト,Привет мир 👋\n'
      '5,"{""a"": [1, 2], ""b"": ""x""}",ok\n').encode(),
     [{"id": 1, "texto": "Silva, João", "obs": 'a "quoted" word'},
      {"id": 2, "texto": "line one\nline two", "obs": None},
      {"id": 3, "texto": None, "obs": None},
      {"id": 4, "texto": "日本語 テキスト", "obs": "Привет мир 👋"},
      {"id": 5, "texto": '{"a": [1, 2], "b": "x"}', "obs": "ok"}])


def main():
    for name, (data, expected) in CASES.items():
        (HERE / f"{name}.csv").write_bytes(data)
        (HERE / f"{name}.expected.json").write_text(dump(expected) + "\n",
                                                    encoding="utf-8")


if __name__ == "__main__":
    main()
