#!/usr/bin/env python3
"""Writes the flat OpenDocument sources of sheet/testdata and has LibreOffice convert them:
    cd sheet/testdata && python3 src/make.py
Needs soffice (Debian package libreoffice-calc-nogui). The generated files are committed; this
script only documents how they were made."""
import os, subprocess, tempfile, shutil
from xml.sax.saxutils import escape

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.dirname(HERE)

HEAD = '''<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.spreadsheet">
<office:automatic-styles>
 <style:style style:name="bold" style:family="table-cell"><style:text-properties fo:font-weight="bold"/></style:style>
 <style:style style:name="yellow" style:family="table-cell"><style:table-cell-properties fo:background-color="#ffff99"/></style:style>
</office:automatic-styles>
<office:body><office:spreadsheet>
'''
TAIL = '</office:spreadsheet></office:body></office:document>\n'


def para(text):
    """text:p elements for a value: lines become paragraphs, runs of spaces text:s."""
    out = []
    for line in text.split('\n'):
        s, i = '', 0
        while i < len(line):
            if line[i] == ' ' and i + 1 < len(line) and line[i + 1] == ' ':
                j = i
                while j < len(line) and line[j] == ' ':
                    j += 1
                s += f' <text:s text:c="{j - i - 1}"/>'
                i = j
            else:
                s += escape(line[i])
                i += 1
        out.append(f'<text:p>{s}</text:p>')
    return ''.join(out)


def cell(v, span=1, rowspan=1, style=None):
    attrs = ''
    if style:
        attrs += f' table:style-name="{style}"'
    if span > 1 or rowspan > 1:
        attrs += f' table:number-columns-spanned="{span}" table:number-rows-spanned="{rowspan}"'
    if v is None:
        return f'<table:table-cell{attrs}/>'
    if isinstance(v, (int, float)):
        return f'<table:table-cell{attrs} office:value-type="float" office:value="{v}">{para(str(v))}</table:table-cell>'
    if isinstance(v, tuple) and v[0] == 'span':  # text with a span
        return f'<table:table-cell{attrs} office:value-type="string"><text:p>{escape(v[1])}<text:span>{escape(v[2])}</text:span></text:p></table:table-cell>'
    return f'<table:table-cell{attrs} office:value-type="string">{para(v)}</table:table-cell>'


def covered(n=1):
    return '<table:covered-table-cell/>' * n


def row(*cells, repeat=1):
    rep = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ''
    return f'<table:table-row{rep}>' + ''.join(c if isinstance(c, str) and c.startswith('<table:') else cell(c) for c in cells) + '</table:table-row>\n'


def table(name, rows):
    return f'<table:table table:name="{escape(name)}">' + ''.join(rows) + '</table:table>\n'


def fods(path, tables):
    with open(path, 'w', encoding='utf-8') as f:
        f.write(HEAD + ''.join(tables) + TAIL)


def convert(src, fmt, name):
    tmp = tempfile.mkdtemp()
    subprocess.run(['soffice', '--headless', '--convert-to', fmt, '--outdir', tmp, src], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    (out,) = os.listdir(tmp)
    shutil.move(os.path.join(tmp, out), os.path.join(OUT, name))
    shutil.rmtree(tmp)


def main():
    # An ods with title rows, merged cells, a header on two rows, paragraphs, spaces, numbers,
    # and the commune's contacts on a second sheet as label/value pairs.
    bron = os.path.join(HERE, 'bron-titres-fusion.fods')
    fods(bron, [
        table('Écoles', [
            row(cell('Ville de Bron — Convention laclasse.com', span=7, style='bold'), covered(6)),
            row(cell('Liste des écoles et de leurs administrateurs — rentrée 2025', span=7), covered(6)),
            row(None),
            row(cell('Code UAI', rowspan=2, style='bold'), cell('Établissement', rowspan=2, style='bold'),
                cell("Administrateur de l'école", span=5, style='bold'), covered(4)),
            row(covered(), covered(), 'NOM', 'Prénom', 'Fonction', 'Courriel', 'Tél.'),
            row('0691201F', 'École maternelle\nLes Tilleuls', 'LAMBERT', 'Anne-Sophie', 'Directrice',
                'anne-sophie.lambert@ac-lyon.fr', 478261234),
            row('0691214V', 'École élémentaire Jean Jaurès', 'NGUYEN', 'Minh', 'Directeur',
                ('span', 'ce.0691214v@', 'ac-lyon.fr'), '04 78  26 12 35'),
            row('0691227J', 'Groupe scolaire Jules Ferry', 'MARTIN', 'Jean', 'Directeur', 'jean.martin@ac-lyon', '04 78 26 12 36'),
            row('0691240Y', 'École primaire Anatole France', 'ROUX', 'Céline', 'Directrice', 'celine.roux@ville-bron.fr',
                '+33 (0)4 78 26 12 37'),
            row(None),
            row('0691253M', 'École maternelle Pasteur', 'BLANC', 'Hugo', None, 'hugo.blanc@ville-bron.fr', '06 12 34 56 78'),
            row(cell('Document à retourner avant le 20 juin', span=7), covered(6)),
            # a whole column formatted: a million rows that hold nothing
            row(cell(None, style='yellow'), cell(None, style='yellow'), repeat=1048000),
        ]),
        table('Contacts', [
            row('Coordonnées de la commune'),
            row(None),
            row('Référent technique'),
            row('Nom', 'ROCHE'),
            row('Prénom', 'Damien'),
            row('Fonction', 'Technicien informatique'),
            row('Courriel', 'd.roche@ville-bron.fr'),
            row('Téléphone', '04 72 36 13 00'),
            row(None),
            row('Suivi du projet'),
            row('Nom : MERCIER'),
            row('Prénom : Claire'),
            row('Courriel : c.mercier@ville-bron.fr'),
            row('Téléphone : 04 72 36 13 13'),
        ]),
    ])
    convert(bron, 'ods', 'bron-titres-fusion.ods')

    # An xls (BIFF8) with accents, lower-case UAI, upper-case addresses with spaces, phones typed
    # as numbers, and the commune's contacts as a block under the table.
    fons = os.path.join(HERE, 'saint-fons-accents.fods')
    fods(fons, [
        table('Liste écoles', [
            row('N° UAI', "Nom de l'école", 'Nom du directeur', 'Prénom du directeur', 'Fonction',
                'E-mail du directeur', 'Téléphone'),
            row('0692010k', 'École maternelle Les Clos', 'LEFÈVRE', 'Éloïse', 'Directrice',
                '  ELOISE.LEFEVRE@AC-LYON.FR ', 472890101),
            row('0692023z', 'École élémentaire Parmentier', 'GAUTHIER', 'Françoise', "Directrice d'école",
                'CE.0692023Z@AC-LYON.FR', 472890102),
            row('0692036n', 'Groupe scolaire Carnot', 'NOËL', 'Gaëlle', 'Directrice', 'gaelle.noel@ac-lyon.fr',
                '+33 4 72 89 01 03'),
            row('0692049c', 'École Simone Signoret', "D'ALMEIDA", 'Loïc', 'Directeur', 'loic.dalmeida@ac-lyon.fr', 472890104),
            row('0692052G', 'École Jean Macé', 'PERRET', 'Zoé', 'Directrice', 'zoe.perret@ac-lyon.fr', 472890105),
            row(None),
            row('Référent numérique', 'GIRARD Paul', 'Responsable SI', 'p.girard@saint-fons.fr', 478700000),
            row('Chef de projet', 'BERNARD Lucie', "Directrice de l'éducation", 'l.bernard@saint-fons.fr', '04 78 70 00 01'),
        ]),
    ])
    convert(fons, 'xls:MS Excel 97', 'saint-fons-accents.xls')

    # A csv in Windows-1252 with tabs, as Excel writes "Texte (séparateur : tabulation)".
    vil = os.path.join(HERE, 'villeurbanne-tab.fods')
    fods(vil, [
        table('Feuille1', [
            row('Villeurbanne — écoles publiques'),
            row('RNE', 'École', 'Nom', 'Prénom', 'Qualité', 'Mél', 'Portable'),
            row('0693101W', 'École Émile Zola', 'MÜLLER', 'Hélène', 'Directrice', 'helene.muller@ac-lyon.fr', '06 12 34 56 01'),
            row('0693114K', 'École "Les Iris"; Croix-Luizet', 'FRANÇOIS', 'Jérôme', 'Directeur', 'jerome.francois@ac-lyon.fr', '06.12.34.56.02'),
            row('0693127Z', 'École Château-Gaillard', 'DUPRÉ', None, 'Directrice', 'ce.0693127z@ac-lyon.fr', '0612345603'),
            row('0693140N', 'École Léon Jouhaux', 'CŒUR', 'Maëlys', 'Directrice', 'maelys.coeur@ac-lyon.fr', '+33612345604'),
        ]),
    ])
    convert(vil, 'csv:Text - txt - csv (StarCalc):9,34,1', 'villeurbanne-tab-1252.csv')

    # An xlsx with an action column (every kind, an empty one, an unknown one, a UAI twice), a
    # second sheet of schools, and the commune's contacts under their own header.
    vaulx = os.path.join(HERE, 'vaulx-actions-contacts.fods')
    fods(vaulx, [
        table('Modifications 2025', [
            row('Demandes de modification — année scolaire 2025-2026'),
            row(None),
            row('Action', 'UAI', 'École', 'Nom', 'Prénom', 'Fonction', 'Email', 'Téléphone'),
            row('Ajout', '0694301A', 'École Mas du Taureau', 'ARNAUD', 'Inès', 'Directrice', 'ines.arnaud@ac-lyon.fr', '04 72 04 11 01'),
            row('Radiation', '0694314P', 'École Wallon', None, None, None, None, None),
            row('Changement de directeur', '0694327D', 'École Makarenko', 'BOYER', 'Rémi', 'Directeur', 'remi.boyer@ac-lyon.fr', '04 72 04 11 03'),
            row(None, '0694340T', 'École Croizat', 'CARON', 'Lise', 'Directrice', 'lise.caron@ac-lyon.fr', '04 72 04 11 04'),
            row('À voir', '0694353G', 'École Mistral', 'DENIS', 'Paul', 'Directeur', 'paul.denis@ac-lyon.fr', '04 72 04 11 05'),
            row('Inchangé', '0694301A', 'École Mas du Taureau', 'ARNAUD', 'Inès', 'Directrice', 'ines.arnaud@ac-lyon.fr', '04 72 04 11 01'),
            row(None),
            row('Rôle', 'Nom', 'Prénom', 'Fonction', 'Email', 'Téléphone'),
            row('Interlocuteur technique', 'FAURE', 'Olivier', 'DSI', 'o.faure@mairie-vaulx.fr', '04 72 04 80 00'),
            row('Responsable du suivi', 'HAMON', 'Sarah', 'Chargée de mission', 's.hamon@mairie-vaulx.fr', '04 72 04 80 01'),
        ]),
        table('Maternelles', [
            row('UAI', "Nom de l'école", 'Nom', 'Prénom', 'Email', 'Téléphone'),
            row('0692065V', 'Maternelle Henri Wallon', 'COLIN', 'Agathe', 'agathe.colin@ac-lyon.fr', '04 72 04 12 01'),
        ]),
    ])
    convert(vaulx, 'xlsx:Calc MS Excel 2007 XML', 'vaulx-actions-contacts.xlsx')


if __name__ == '__main__':
    main()
