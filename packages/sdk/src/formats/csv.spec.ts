import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeUtf8, parseCsv, writeCsv } from './csv.js';
import { fieldsCell, readCsv, readFieldsCell, readKeepassCsv, writeSafeholdCsv } from './csvformats.js';
import type { PortableRecord } from '../transfer/portable.js';

const AWKWARD = ['=1+1', '-x', '+y', '@z', 'a "quoted" word', 'comma, here', 'line\nbreak', 'crlf\r\nend', 'lone\rcr', '🔐 emoji', '', ' padded '];

test('CSV cells round-trip exactly through writeCsv and parseCsv (RFC 4180)', () => {
  const rows = [AWKWARD, AWKWARD.slice().reverse()];
  const parsed = parseCsv(writeCsv(rows), 'f.csv');
  assert.deepEqual(parsed.map((r) => r.cells), rows);
  assert.equal(parsed[1]?.line, 4, 'line numbers count the line feeds inside quoted cells');
});

test('CSV: formula escaping only with spreadsheetSafe', () => {
  assert.equal(writeCsv([['=1', '-2', 'ok']]), '=1,-2,ok\r\n');
  assert.equal(writeCsv([['=1', '-2', 'ok']], { spreadsheetSafe: true }), "'=1,'-2,ok\r\n");
});

test('CSV errors name the line: unclosed quote, text after a quote, stray quote', () => {
  assert.throws(() => parseCsv('a,b\r\n"x,y\r\n', 'f.csv'), (e: Error) => /f\.csv line 2: a quoted value is not closed/.test(e.message));
  assert.throws(() => parseCsv('a\n"x"y\n', 'f.csv'), /f\.csv line 2: unexpected text after a closing quote/);
  assert.throws(() => parseCsv('a\nx"y\n', 'f.csv'), /f\.csv line 2: a quote inside an unquoted value/);
});

test('UTF-8: a BOM is dropped, other encodings refused with the byte offset', () => {
  assert.equal(decodeUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0x61]), 'f'), 'a');
  assert.throws(() => decodeUtf8(new Uint8Array([0x61, 0x62, 0xe9, 0x2c]), 'f.csv'), /f\.csv byte 2: the file is not UTF-8/);
});

test('fields cell: Bitwarden lines where they hold the values exactly, else JSON', () => {
  const simple = [{ name: 'account', value: '42' }, { name: 'a: b', value: 'c' }];
  assert.equal(fieldsCell(simple), 'account: 42\na: b: c');
  assert.deepEqual(readFieldsCell(fieldsCell(simple)), simple);
  const hard = [{ name: 'multi', value: 'x\ny' }, { name: 'colon', value: 'p: q' }];
  assert.ok(fieldsCell(hard).startsWith('['));
  assert.deepEqual(readFieldsCell(fieldsCell(hard)), hard);
});

function rec(over: Partial<PortableRecord>): PortableRecord {
  return { name: 'n', username: '', password: '', url: '', notes: '', tags: [], fields: [], secretFields: [], origin: null, sourceId: '', kind: 'login', history: [], position: '', ...over };
}

test("Safehold's CSV re-imports every value exactly", () => {
  const records = [
    rec({ name: '=name, "q"', username: '-u', password: 'crlf\r\nand\nlf, "q" 🔐', url: '@u,v', notes: ' x\r\n', tags: ['a,b', 'c'], fields: [{ name: 'f', value: 'v\nw' }], secretFields: [{ name: 'pin', value: '+1' }], origin: 'AAAAAAAAAAAAAAAAAAAAAA' }),
    rec({ name: 'empty' }),
  ];
  const text = '\ufeff' + writeSafeholdCsv([{ db: 'main', records }], { allDatabases: false });
  const back = readCsv(decodeUtf8(new TextEncoder().encode(text), 'f.csv'), 'f.csv').records;
  assert.equal(back.length, 2);
  for (const [i, r] of records.entries()) {
    const b = back[i];
    assert.ok(b);
    for (const k of ['name', 'username', 'password', 'url', 'notes', 'tags', 'fields', 'secretFields'] as const) assert.deepEqual(b[k], r[k], `${k} of record ${i}`);
  }
  assert.equal(back[0]?.origin, 'AAAAAAAAAAAAAAAAAAAAAA');
  assert.equal(back[0]?.sourceId, 'safehold:AAAAAAAAAAAAAAAAAAAAAA');
  assert.match(back[1]?.sourceId ?? '', /^csv:/);
});

test("Bitwarden's CSV: folder becomes a tag, TOTP a secret field, further URIs fields; identical rows stay apart", () => {
  const text = 'folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp\n' +
    'Work,,login,Mail,,"pin: 1",0,"https://a.test,https://b.test",me,pw,JBSWY3DP\n' +
    ',,note,Memo,hello,,0,,,,\n,,note,Memo,hello,,0,,,,\n';
  const { records } = readCsv(text, 'bw.csv');
  assert.equal(records.length, 3);
  const [mail, memo1, memo2] = records;
  assert.deepEqual(mail?.tags, ['Work']);
  assert.equal(mail?.url, 'https://a.test');
  assert.deepEqual(mail?.fields, [{ name: 'pin', value: '1' }, { name: 'uri2', value: 'https://b.test' }]);
  assert.deepEqual(mail?.secretFields, [{ name: 'totp', value: 'JBSWY3DP' }]);
  assert.equal(memo1?.kind, 'note');
  assert.notEqual(memo1?.sourceId, memo2?.sourceId, 'two identical rows are two records');
  assert.equal(readCsv(text, 'bw.csv').records[2]?.sourceId, memo2?.sourceId, 'and the same again on the next read');
});

test('CSV: unknown column sets and ragged rows are refused with the line', () => {
  assert.throws(() => readCsv('title,secret\na,b\n', 'x.csv'), /x\.csv line 1: unknown column set: missing name, login_password/);
  assert.throws(() => readCsv('name,login_password\na,b,c\n', 'x.csv'), /x\.csv line 2: expected 2 values, found 3/);
  assert.throws(() => readCsv('"Group","Title","Username","Password","URL","Notes"\n', 'x.csv'), /keepass-csv/);
});

test("KeePassXC's CSV: the group below the root is a tag, TOTP a secret field", () => {
  const text = '"Group","Title","Username","Password","URL","Notes","TOTP","Icon","Last Modified","Created"\n' +
    '"Root/Work/Mail","Postfix","pm","p""w","https://m.test","n\nm","otpauth://x","0","2026-01-01T00:00:00Z","2026-01-01T00:00:00Z"\n' +
    '"Root","Top","","","","","","0","",""\n';
  const { records } = readKeepassCsv(text, 'k.csv');
  assert.deepEqual(records.map((r) => [r.name, r.tags, r.password, r.notes]), [['Postfix', ['Work/Mail'], 'p"w', 'n\nm'], ['Top', [], '', '']]);
  assert.deepEqual(records[0]?.secretFields, [{ name: 'totp', value: 'otpauth://x' }]);
});
