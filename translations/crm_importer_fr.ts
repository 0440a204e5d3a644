<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr_FR">
<context>
    <name>ConnectionDialog</name>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="141"/>
        <source>Connection to the CRM</source>
        <translation>Connexion au CRM</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="142"/>
        <source>Connect to the CRM database</source>
        <translation>Se connecter à la base du CRM</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="144"/>
        <source>The PostgreSQL database of your CRM (Supabase or your own server). The importer acts as the CRM profile below, which must be an admin.</source>
        <translation>La base PostgreSQL de votre CRM (Supabase ou votre propre serveur). L’importeur agit au nom du profil CRM indiqué ci-dessous, qui doit être administrateur.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="146"/>
        <source>Host:</source>
        <translation>Hôte :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="146"/>
        <source>Port:</source>
        <translation>Port :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="146"/>
        <source>Database:</source>
        <translation>Base de données :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="147"/>
        <source>User:</source>
        <translation>Utilisateur :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="147"/>
        <source>Password:</source>
        <translation>Mot de passe :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="148"/>
        <source>TLS:</source>
        <translation>TLS :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="148"/>
        <source>Sign in as (CRM email):</source>
        <translation>Se connecter en tant que (e-mail CRM) :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="150"/>
        <source>Remember the password in the system keyring</source>
        <translation>Mémoriser le mot de passe dans le trousseau du système</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="151"/>
        <source>Leave empty to use the saved password</source>
        <translation>Laisser vide pour utiliser le mot de passe enregistré</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="153"/>
        <source>Off (local networks only)</source>
        <translation>Désactivé (réseaux locaux uniquement)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="154"/>
        <source>When the server offers it</source>
        <translation>Si le serveur le propose</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="155"/>
        <source>Required</source>
        <translation>Obligatoire</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="156"/>
        <source>Required, with a trusted certificate</source>
        <translation>Obligatoire, avec un certificat de confiance</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="157"/>
        <source>Required, certificate and host name checked</source>
        <translation>Obligatoire, certificat et nom d’hôte vérifiés</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="161"/>
        <source>{mode} — {description}</source>
        <translation>{mode} — {description}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="166"/>
        <source>Use the demo database</source>
        <translation>Utiliser la base de démonstration</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="167"/>
        <source>Test connection</source>
        <translation>Tester la connexion</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="168"/>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="169"/>
        <source>Connect</source>
        <translation>Se connecter</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="295"/>
        <source>Connecting…</source>
        <translation>Connexion en cours…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="222"/>
        <source>The connection works: PostgreSQL {version}, signed in as {who} ({role}).</source>
        <translation>La connexion fonctionne : PostgreSQL {version}, connecté en tant que {who} ({role}).</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="246"/>
        <source>Password not saved</source>
        <translation>Mot de passe non enregistré</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="247"/>
        <source>No system keyring is available on this computer, so the password could not be saved. It is kept for this session only: you will be asked for it again next time.</source>
        <translation>Aucun trousseau système n’est disponible sur cet ordinateur : le mot de passe n’a pas pu être enregistré. Il est conservé pour cette session seulement ; il vous sera redemandé la prochaine fois.</translation>
    </message>
</context>
<context>
    <name>Delimiters</name>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="148"/>
        <source>Comma ( , )</source>
        <translation>Virgule ( , )</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="149"/>
        <source>Semicolon ( ; )</source>
        <translation>Point-virgule ( ; )</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="150"/>
        <source>Tab</source>
        <translation>Tabulation</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="151"/>
        <source>Vertical bar ( | )</source>
        <translation>Barre verticale ( | )</translation>
    </message>
</context>
<context>
    <name>Encodings</name>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="158"/>
        <source>UTF-8</source>
        <translation>UTF-8</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="159"/>
        <source>UTF-8 with BOM</source>
        <translation>UTF-8 avec BOM</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="160"/>
        <source>UTF-16</source>
        <translation>UTF-16</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="161"/>
        <source>Windows-1252 (Western Europe)</source>
        <translation>Windows-1252 (Europe de l’Ouest)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="162"/>
        <source>Latin-1 (ISO-8859-1)</source>
        <translation>Latin-1 (ISO-8859-1)</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="143"/>
        <source>Unexpected error: {error}</source>
        <translation>Erreur inattendue : {error}</translation>
    </message>
</context>
<context>
    <name>Fields</name>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="21"/>
        <source>— Not imported —</source>
        <extracomment>lupdate finds ``translate(&quot;Context&quot;, &quot;text&quot;)`` calls; a wrapper function would hide them from it.</extracomment>
        <translation>— Non importée —</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="22"/>
        <source>First name</source>
        <translation>Prénom</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="23"/>
        <source>Last name</source>
        <translation>Nom</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="24"/>
        <source>Email</source>
        <translation>E-mail</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="25"/>
        <source>Phone</source>
        <translation>Téléphone</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="26"/>
        <source>Company</source>
        <translation>Société</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="27"/>
        <source>Job title</source>
        <translation>Fonction</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="28"/>
        <source>City</source>
        <translation>Ville</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="29"/>
        <source>Postal code</source>
        <translation>Code postal</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="30"/>
        <source>Country</source>
        <translation>Pays</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="31"/>
        <source>Source</source>
        <translation>Source</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="32"/>
        <source>External ID</source>
        <translation>Identifiant externe</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="33"/>
        <source>Notes</source>
        <translation>Notes</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="34"/>
        <source>Owner (for assignment)</source>
        <translation>Propriétaire (pour l’attribution)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="42"/>
        <source>text</source>
        <translation>texte</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="43"/>
        <source>whole number</source>
        <translation>nombre entier</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="44"/>
        <source>number</source>
        <translation>nombre</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="45"/>
        <source>date</source>
        <translation>date</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="46"/>
        <source>date and time</source>
        <translation>date et heure</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="47"/>
        <source>yes/no</source>
        <translation>oui/non</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="48"/>
        <source>list of values</source>
        <translation>liste de valeurs</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="49"/>
        <source>several values</source>
        <translation>plusieurs valeurs</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="63"/>
        <source>CRM column {name}, type {type}</source>
        <translation>Colonne du CRM {name}, type {type}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="65"/>
        <source>Required: the CRM refuses a lead without a value.</source>
        <translation>Obligatoire : le CRM refuse un lead sans valeur.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="67"/>
        <source>Left empty, it takes the CRM&apos;s default: {default}</source>
        <translation>Laissée vide, elle prend la valeur par défaut du CRM : {default}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="70"/>
        <source>Allowed values: {values}</source>
        <translation>Valeurs permises : {values}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="72"/>
        <source>At most {n} characters</source>
        <translation>{n} caractères au plus</translation>
    </message>
</context>
<context>
    <name>FilePage</name>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="171"/>
        <source>Choose the file to import</source>
        <translation>Choisissez le fichier à importer</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="173"/>
        <source>A CSV, TSV or TXT file, or an Excel workbook (XLSX). Nothing is sent to the CRM before the last step.</source>
        <translation>Un fichier CSV, TSV ou TXT, ou un classeur Excel (XLSX). Rien n’est envoyé au CRM avant la dernière étape.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="175"/>
        <source>No CRM is connected yet. You can try everything on the built-in demo database, or connect to your CRM.</source>
        <translation>Aucun CRM n’est encore connecté. Vous pouvez tout essayer sur la base de démonstration intégrée, ou vous connecter à votre CRM.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="176"/>
        <source>Use the demo database</source>
        <translation>Utiliser la base de démonstration</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="177"/>
        <source>Connect to my CRM…</source>
        <translation>Me connecter à mon CRM…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="178"/>
        <source>Drop a spreadsheet here</source>
        <translation>Déposez un tableur ici</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="179"/>
        <source>Choose a file…</source>
        <translation>Choisir un fichier…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="180"/>
        <source>or try the sample file</source>
        <translation>ou essayez le fichier d’exemple</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="181"/>
        <source>Sheet:</source>
        <translation>Feuille :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="182"/>
        <source>Encoding:</source>
        <translation>Encodage :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="183"/>
        <source>Delimiter:</source>
        <translation>Séparateur :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="184"/>
        <source>Header row:</source>
        <translation>Ligne d’en-tête :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="185"/>
        <source>Show that import</source>
        <translation>Voir cet import</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="191"/>
        <source>Open a spreadsheet</source>
        <translation>Ouvrir un tableur</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="192"/>
        <source>Spreadsheets (*.csv *.tsv *.txt *.xlsx *.xlsm);;All files (*)</source>
        <translation>Tableurs (*.csv *.tsv *.txt *.xlsx *.xlsm);;Tous les fichiers (*)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="309"/>
        <source>Detected: row {row}</source>
        <translation>Détectée : ligne {row}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="315"/>
        <source>{sheet} (hidden)</source>
        <translation>{sheet} (masquée)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="319"/>
        <source>Detected: {encoding}</source>
        <translation>Détecté : {encoding}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="325"/>
        <source>Detected: {delimiter}</source>
        <translation>Détecté : {delimiter}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="348"/>
        <source>Opening…</source>
        <translation>Ouverture…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="353"/>
        <source>Excel workbook</source>
        <translation>Classeur Excel</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="353"/>
        <source>Text file (CSV)</source>
        <translation>Fichier texte (CSV)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="354"/>
        <source>{kind} · {size} · {columns} columns · header on row {row}</source>
        <translation>{kind} · {size} · {columns} colonnes · en-tête en ligne {row}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="363"/>
        <source>SHA-256: computing…</source>
        <translation>SHA-256 : calcul en cours…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="365"/>
        <source>SHA-256: {hash}</source>
        <translation>SHA-256 : {hash}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="370"/>
        <source>This file was already imported into this CRM on {date} by {who} (import {job}). Importing it again will ask for confirmation.</source>
        <translation>Ce fichier a déjà été importé dans ce CRM le {date} par {who} (import {job}). L’importer à nouveau demandera une confirmation.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="381"/>
        <source>This sheet is read because the workbook opens on it and it has an email or phone column.</source>
        <translation>Cette feuille est lue car le classeur s’ouvre sur elle et elle a une colonne e-mail ou téléphone.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="384"/>
        <source>This sheet is read because it is the first visible one with an email or phone column.</source>
        <translation>Cette feuille est lue car c’est la première feuille visible avec une colonne e-mail ou téléphone.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="387"/>
        <source>This sheet is read although it is hidden: no visible sheet has an email or phone column.</source>
        <translation>Cette feuille est lue bien qu’elle soit masquée : aucune feuille visible n’a de colonne e-mail ou téléphone.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="390"/>
        <source>The header is on row {row}: the rows above it are a title or notes.</source>
        <translation>L’en-tête est à la ligne {row} : les lignes au-dessus sont un titre ou des notes.</translation>
    </message>
</context>
<context>
    <name>FixRowDialog</name>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="45"/>
        <source>Fix row {row}</source>
        <translation>Corriger la ligne {row}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="49"/>
        <source>Correct the cells, then re-validate the row. The file itself is not changed; the import and the report use the corrected values.</source>
        <translation>Corrigez les cellules, puis revalidez la ligne. Le fichier lui-même n’est pas modifié ; l’import et le rapport utilisent les valeurs corrigées.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="63"/>
        <source>Re-validate the row</source>
        <translation>Revalider la ligne</translation>
    </message>
</context>
<context>
    <name>HistoryView</name>
    <message>
        <location filename="../crm_importer/gui/history.py" line="97"/>
        <source>Import history</source>
        <extracomment>(action, result) once a Resume/Retry/Undo/Report finished; result is an exception when it failed.</extracomment>
        <translation>Historique des imports</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/history.py" line="99"/>
        <source>Every validation and import made on this computer. An interrupted import can be resumed where it stopped; an import can be undone.</source>
        <translation>Toutes les validations et tous les imports faits sur cet ordinateur. Un import interrompu peut reprendre là où il s’est arrêté ; un import peut être annulé.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/history.py" line="101"/>
        <source>Resume</source>
        <translation>Reprendre</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/history.py" line="102"/>
        <source>Retry</source>
        <translation>Réessayer</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/history.py" line="103"/>
        <source>Report</source>
        <translation>Rapport</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/history.py" line="104"/>
        <source>Undo</source>
        <translation>Annuler l’import</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/history.py" line="105"/>
        <source>Refresh</source>
        <translation>Actualiser</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/history.py" line="106"/>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/history.py" line="136"/>
        <source>Connect to the CRM of this import first.</source>
        <translation>Connectez-vous d’abord au CRM de cet import.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/history.py" line="163"/>
        <source>Undo this import?</source>
        <translation>Annuler cet import ?</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/history.py" line="164"/>
        <source>Undo the import of {file} from {date}? The leads it created are removed (those edited since are kept) and the leads it updated get their previous values back.</source>
        <translation>Annuler l’import de {file} du {date} ? Les leads qu’il a créés sont supprimés (ceux modifiés depuis sont conservés) et les leads qu’il a mis à jour retrouvent leurs valeurs précédentes.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/history.py" line="185"/>
        <source>{phase} {rows} rows</source>
        <translation>{phase} {rows} lignes</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/history.py" line="194"/>
        <source>Report: {path}</source>
        <translation>Rapport : {path}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/history.py" line="198"/>
        <source>Import completed: {imported} leads created and {updated} updated.</source>
        <translation>Import terminé : {imported} leads créés et {updated} mis à jour.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/history.py" line="207"/>
        <source>Stopped; the import can be resumed.</source>
        <translation>Arrêté ; l’import peut être repris.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/history.py" line="228"/>
        <source>No import yet: they will be listed here.</source>
        <translation>Aucun import pour l’instant : ils apparaîtront ici.</translation>
    </message>
</context>
<context>
    <name>ImportPage</name>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="175"/>
        <source>Import into the CRM</source>
        <translation>Importer dans le CRM</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="177"/>
        <source>Rows go in by batches; each batch is committed exactly once, so a cancelled or interrupted import can be resumed later without duplicates.</source>
        <translation>Les lignes sont envoyées par lots ; chaque lot est enregistré une seule fois, si bien qu’un import annulé ou interrompu peut reprendre plus tard sans doublons.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="179"/>
        <source>No CRM is connected: connect to one (or use the demo database) to import.</source>
        <translation>Aucun CRM n’est connecté : connectez-vous à un CRM (ou utilisez la base de démonstration) pour importer.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="180"/>
        <source>Connect…</source>
        <translation>Se connecter…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="181"/>
        <source>Use the demo database</source>
        <translation>Utiliser la base de démonstration</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="182"/>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="183"/>
        <source>leads created</source>
        <translation>leads créés</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="184"/>
        <source>leads updated</source>
        <translation>leads mis à jour</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="185"/>
        <source>skipped: already in the CRM</source>
        <translation>ignorées : déjà dans le CRM</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="186"/>
        <source>rows not imported (invalid, duplicates, rejected)</source>
        <translation>lignes non importées (invalides, doublons, refusées)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="187"/>
        <source>time taken</source>
        <translation>durée</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="188"/>
        <source>Open the report</source>
        <translation>Ouvrir le rapport</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="189"/>
        <source>Resume the import</source>
        <translation>Reprendre l’import</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="190"/>
        <source>Undo this import</source>
        <translation>Annuler cet import</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="191"/>
        <source>New import</source>
        <translation>Nouvel import</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="226"/>
        <source>Leave them unassigned</source>
        <translation>Ne pas les attribuer</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="228"/>
        <source>Assign them to {user}</source>
        <translation>Les attribuer à {user}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="254"/>
        <source>Import this file again?</source>
        <translation>Importer ce fichier à nouveau ?</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="255"/>
        <source>This file was already imported into this CRM on {date} by {who}. Import it again anyway?</source>
        <translation>Ce fichier a déjà été importé dans ce CRM le {date} par {who}. L’importer à nouveau quand même ?</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="293"/>
        <source>Stopping after the current batch…</source>
        <translation>Arrêt à la fin du lot en cours…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="313"/>
        <source>{done} of {total} rows</source>
        <translation>{done} lignes sur {total}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="316"/>
        <source>{rate} rows/s</source>
        <translation>{rate} lignes/s</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="318"/>
        <source>about {time} left</source>
        <translation>encore {time} environ</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="339"/>
        <source>Not imported: this file is already in the CRM.</source>
        <translation>Non importé : ce fichier est déjà dans le CRM.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="354"/>
        <source>Import cancelled after {rows} leads; what was committed stays in the CRM. Resume it here or from History, or undo it.</source>
        <translation>Import annulé après {rows} leads ; ce qui a été enregistré reste dans le CRM. Reprenez-le ici ou depuis l’historique, ou annulez-le.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="378"/>
        <source>Undo this import?</source>
        <translation>Annuler cet import ?</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="379"/>
        <source>The leads this import created will be removed (those edited since are kept) and the leads it updated get their previous values back. Continue?</source>
        <translation>Les leads créés par cet import seront supprimés (ceux modifiés depuis sont conservés) et les leads mis à jour retrouveront leurs valeurs précédentes. Continuer ?</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="425"/>
        <source>Demo database</source>
        <translation>Base de démonstration</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="426"/>
        <source>Into &lt;b&gt;{target}&lt;/b&gt;, as &lt;b&gt;{who}&lt;/b&gt; ({email}).</source>
        <translation>Dans &lt;b&gt;{target}&lt;/b&gt;, en tant que &lt;b&gt;{who}&lt;/b&gt; ({email}).</translation>
    </message>
    <message numerus="yes">
        <location filename="../crm_importer/gui/page_import.py" line="429"/>
        <source>Import %Ln rows</source>
        <translation>
            <numerusform>Importer %Ln ligne</numerusform>
            <numerusform>Importer %Ln lignes</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="440"/>
        <source>{count} owners in the file match no active CRM user: {owners}. Their leads:</source>
        <translation>{count} propriétaires du fichier ne correspondent à aucun utilisateur actif du CRM : {owners}. Leurs leads :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="467"/>
        <source>Import completed: {imported} leads created and {updated} updated in {time}.</source>
        <translation>Import terminé : {imported} leads créés et {updated} mis à jour en {time}.</translation>
    </message>
</context>
<context>
    <name>ImportWizard</name>
    <message>
        <location filename="../crm_importer/gui/wizard.py" line="66"/>
        <source>File</source>
        <translation>Fichier</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/wizard.py" line="66"/>
        <source>Preview &amp; mapping</source>
        <translation>Aperçu &amp; correspondance</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/wizard.py" line="66"/>
        <source>Options</source>
        <translation>Options</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/wizard.py" line="67"/>
        <source>Validation</source>
        <translation>Validation</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/wizard.py" line="67"/>
        <source>Import</source>
        <translation>Import</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/wizard.py" line="68"/>
        <source>Back</source>
        <translation>Retour</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/wizard.py" line="116"/>
        <source>Continue to the import</source>
        <translation>Passer à l’import</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/wizard.py" line="116"/>
        <source>Continue to validation</source>
        <translation>Passer à la validation</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/wizard.py" line="117"/>
        <source>Next</source>
        <translation>Suivant</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../crm_importer/gui/app.py" line="143"/>
        <source>Job store recovered</source>
        <translation>Fichier de suivi récupéré</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="144"/>
        <source>{said}

Imports already in the CRM are listed again in History once you connect to it.</source>
        <translation>{said}

Les imports déjà présents dans le CRM réapparaissent dans l’historique dès que vous vous y connectez.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="151"/>
        <source>Job store read-only</source>
        <translation>Fichier de suivi en lecture seule</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="152"/>
        <source>{reason}

History can be read, but files cannot be validated or imported until it can be written.</source>
        <translation>{reason}

L’historique reste consultable, mais aucun fichier ne peut être validé ni importé tant qu’il ne peut pas être écrit.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="187"/>
        <source>CRM Importer {version}</source>
        <translation>CRM Importer {version}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="188"/>
        <source>New import</source>
        <translation>Nouvel import</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="189"/>
        <source>Import history</source>
        <translation>Historique des imports</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="190"/>
        <source>CRM</source>
        <translation>CRM</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="191"/>
        <source>&amp;File</source>
        <translation>&amp;Fichier</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="192"/>
        <source>&amp;Connection…</source>
        <translation>&amp;Connexion…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="193"/>
        <source>Use the &amp;demo database</source>
        <translation>Utiliser la base de &amp;démonstration</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="194"/>
        <source>Import &amp;history</source>
        <translation>&amp;Historique des imports</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="195"/>
        <source>&amp;Quit</source>
        <translation>&amp;Quitter</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="196"/>
        <source>&amp;Language</source>
        <translation>&amp;Langue</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="197"/>
        <source>System language</source>
        <translation>Langue du système</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="204"/>
        <source>Not connected. Files can still be validated offline.</source>
        <translation>Non connecté. Les fichiers peuvent quand même être validés hors ligne.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="205"/>
        <source>Connect…</source>
        <translation>Se connecter…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="207"/>
        <source>Demo database</source>
        <translation>Base de démonstration</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="208"/>
        <source>{target}
Signed in as {who}</source>
        <translation>{target}
Connecté en tant que {who}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="209"/>
        <source>Change connection…</source>
        <translation>Changer de connexion…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="244"/>
        <source>Starting the demo database…</source>
        <translation>Démarrage de la base de démonstration…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="257"/>
        <source>Connection</source>
        <translation>Connexion</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="270"/>
        <source>Connecting…</source>
        <translation>Connexion en cours…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="283"/>
        <source>Stop the import?</source>
        <translation>Arrêter l’import ?</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="284"/>
        <source>An import is running. Stop it after the current batch and quit? It can be resumed later from History.</source>
        <translation>Un import est en cours. L’arrêter à la fin du lot en cours et quitter ? Il pourra être repris plus tard depuis l’historique.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="291"/>
        <source>Stopping after the current batch…</source>
        <translation>Arrêt à la fin du lot en cours…</translation>
    </message>
</context>
<context>
    <name>MappingPage</name>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="180"/>
        <source>Check the columns</source>
        <extracomment>Tests set this to fill the values dialog instead of running it. Per column: how a date of the CRM&apos;s own reads (shown for those only), and what the column allows. Per column: for a picklist of the CRM&apos;s own, the file values the user gave a value of the list.</extracomment>
        <translation>Vérifiez les colonnes</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="182"/>
        <source>Each column of the file feeds one CRM field, guessed from its header. Columns left “Not imported” stay in the error report. Below, the first 100 rows as read from the file.</source>
        <translation>Chaque colonne du fichier alimente un champ du CRM, deviné d’après son en-tête. Les colonnes laissées « Non importée » restent dans le rapport d’erreurs. En dessous, les 100 premières lignes telles que lues dans le fichier.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="184"/>
        <source>Mapping profile:</source>
        <translation>Profil de correspondance :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="185"/>
        <source>Apply</source>
        <translation>Appliquer</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="186"/>
        <source>Save as profile…</source>
        <translation>Enregistrer comme profil…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="187"/>
        <source>Guess again from headers</source>
        <translation>Redeviner d’après les en-têtes</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="188"/>
        <source>Column in the file</source>
        <translation>Colonne du fichier</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="189"/>
        <source>Example</source>
        <translation>Exemple</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="190"/>
        <source>CRM field</source>
        <translation>Champ du CRM</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="191"/>
        <source>How it reads</source>
        <translation>Lecture</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="199"/>
        <source>Day first (DD/MM/YYYY)</source>
        <translation>Jour d’abord (JJ/MM/AAAA)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="200"/>
        <source>Month first (MM/DD/YYYY)</source>
        <translation>Mois d’abord (MM/JJ/AAAA)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="237"/>
        <source>(column {number}, no header)</source>
        <translation>(colonne {number}, sans en-tête)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="385"/>
        <source>read from the dates of the file</source>
        <translation>d’après les dates du fichier</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="386"/>
        <source>the file mixes both orders: the others will be errors</source>
        <translation>le fichier mêle les deux ordres : les autres seront des erreurs</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="387"/>
        <source>every date reads both ways: the region&apos;s usage, check it</source>
        <translation>chaque date se lit dans les deux sens : l’usage de la région, à vérifier</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="388"/>
        <source>as you chose</source>
        <translation>selon votre choix</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="392"/>
        <source>Values…</source>
        <translation>Valeurs…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="392"/>
        <source>Values ({count})…</source>
        <translation>Valeurs ({count})…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="394"/>
        <source>Allowed: {values}</source>
        <translation>Permises : {values}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="397"/>
        <source>numbers as 1 234,5 (decimal comma)</source>
        <translation>nombres écrits 1 234,5 (virgule décimale)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="398"/>
        <source>numbers as 1,234.5 (decimal point)</source>
        <translation>nombres écrits 1,234.5 (point décimal)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="400"/>
        <source>oui/non, yes/no, vrai/faux, 1/0, x</source>
        <translation>oui/non, vrai/faux, yes/no, 1/0, x</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="403"/>
        <source>several values, split on “{separator}”</source>
        <translation>plusieurs valeurs, séparées par « {separator} »</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="415"/>
        <source>No column is mapped to Email or Phone: map at least one of them, every lead needs a contact.</source>
        <translation>Aucune colonne ne correspond à l’e-mail ou au téléphone : associez-en au moins une, chaque lead a besoin d’un contact.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="421"/>
        <source>The CRM requires a value in {columns} (marked *): map a column of the file to each.</source>
        <translation>Le CRM exige une valeur pour {columns} (marquées *) : associez une colonne du fichier à chacune.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="427"/>
        <source>The CRM&apos;s own columns are offered after the standard fields, with their type; * marks a column the CRM requires. Columns not mapped keep the CRM&apos;s defaults.</source>
        <translation>Les colonnes propres au CRM suivent les champs standard, avec leur type ; * marque une colonne que le CRM exige. Les colonnes non associées gardent les valeurs par défaut du CRM.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="431"/>
        <source>Standard lead fields only: connect to the CRM to map its own columns too.</source>
        <translation>Champs standard seulement : connectez-vous au CRM pour associer aussi ses propres colonnes.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="444"/>
        <source>No saved profile</source>
        <translation>Aucun profil enregistré</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="453"/>
        <source>Save the mapping</source>
        <translation>Enregistrer la correspondance</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="453"/>
        <source>Profile name:</source>
        <translation>Nom du profil :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="465"/>
        <location filename="../crm_importer/gui/page_mapping.py" line="480"/>
        <source>Mapping profile</source>
        <translation>Profil de correspondance</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="465"/>
        <source>The profile {path} cannot be saved: {reason}.</source>
        <translation>Le profil {path} ne peut pas être enregistré : {reason}.</translation>
    </message>
</context>
<context>
    <name>Models</name>
    <message>
        <location filename="../crm_importer/gui/models.py" line="103"/>
        <source>(no header)</source>
        <translation>(sans en-tête)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/models.py" line="230"/>
        <source>Row</source>
        <extracomment>(row number, {column index: new value}) — the view re-validates that row in a worker. The store error met by the last read (the page says it), or None.</extracomment>
        <translation>Ligne</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/models.py" line="230"/>
        <source>Problem</source>
        <translation>Problème</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/models.py" line="230"/>
        <source>Column</source>
        <translation>Colonne</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/models.py" line="230"/>
        <source>Value (double-click to fix)</source>
        <translation>Valeur (double-clic pour corriger)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/models.py" line="283"/>
        <source>(validation only)</source>
        <translation>(validation seule)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/models.py" line="286"/>
        <source>Validated (not imported)</source>
        <translation>Validé (non importé)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/models.py" line="305"/>
        <source>Date</source>
        <translation>Date</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/models.py" line="305"/>
        <source>File</source>
        <translation>Fichier</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/models.py" line="305"/>
        <source>By</source>
        <translation>Par</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/models.py" line="305"/>
        <source>Status</source>
        <translation>Statut</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/models.py" line="305"/>
        <source>Rows</source>
        <translation>Lignes</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/models.py" line="305"/>
        <source>To import</source>
        <translation>À importer</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/models.py" line="305"/>
        <source>Imported</source>
        <translation>Importées</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/models.py" line="306"/>
        <source>Updated</source>
        <translation>Mises à jour</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/models.py" line="306"/>
        <source>Not imported</source>
        <translation>Non importées</translation>
    </message>
</context>
<context>
    <name>OptionsPage</name>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="135"/>
        <source>Choose how to import</source>
        <translation>Choisissez comment importer</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="136"/>
        <source>These choices apply to this import only; the defaults suit most files.</source>
        <translation>Ces choix ne valent que pour cet import ; les valeurs par défaut conviennent à la plupart des fichiers.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="137"/>
        <source>Duplicates</source>
        <translation>Doublons</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="139"/>
        <source>Two rows are the same lead when they share one of these. Rows repeating an earlier row of the file are set aside; rows matching a lead already in the CRM follow the choice on the right.</source>
        <translation>Deux lignes sont le même lead quand elles partagent l’un de ces critères. Les lignes qui répètent une ligne précédente du fichier sont écartées ; celles qui correspondent à un lead déjà dans le CRM suivent le choix de droite.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="141"/>
        <source>Same email address</source>
        <translation>Même adresse e-mail</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="142"/>
        <source>Same phone number</source>
        <translation>Même numéro de téléphone</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="143"/>
        <source>Same external ID</source>
        <translation>Même identifiant externe</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="144"/>
        <source>When the lead already exists in the CRM</source>
        <translation>Quand le lead existe déjà dans le CRM</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="145"/>
        <source>Skip it (recommended)</source>
        <translation>L’ignorer (recommandé)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="146"/>
        <source>The existing lead is left untouched; the row goes to the report.</source>
        <translation>Le lead existant reste intact ; la ligne figure dans le rapport.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="147"/>
        <source>Update the existing lead</source>
        <translation>Mettre à jour le lead existant</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="149"/>
        <source>Filled cells of the file replace the lead&apos;s values; undoing the import restores them.</source>
        <translation>Les cellules remplies du fichier remplacent les valeurs du lead ; annuler l’import les rétablit.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="150"/>
        <source>Create a new lead anyway</source>
        <translation>Créer quand même un nouveau lead</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="151"/>
        <source>The CRM will then hold both leads.</source>
        <translation>Le CRM contiendra alors les deux leads.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="152"/>
        <source>Assign the new leads</source>
        <translation>Attribuer les nouveaux leads</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="153"/>
        <source>Leave them unassigned</source>
        <translation>Ne pas les attribuer</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="154"/>
        <source>All to one user:</source>
        <translation>Tous à un utilisateur :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="155"/>
        <source>In turn to the users ticked below (round-robin)</source>
        <translation>À tour de rôle aux utilisateurs cochés ci-dessous (round-robin)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="156"/>
        <source>From a column holding the owner&apos;s email or name:</source>
        <translation>D’après une colonne contenant l’e-mail ou le nom du propriétaire :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="157"/>
        <source>Connect to a CRM to list its users.</source>
        <translation>Connectez-vous à un CRM pour afficher ses utilisateurs.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="158"/>
        <source>Phone numbers</source>
        <translation>Numéros de téléphone</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="160"/>
        <source>Country of the numbers written without an international prefix (like 06 12 34 56 78):</source>
        <translation>Pays des numéros écrits sans indicatif international (comme 06 12 34 56 78) :</translation>
    </message>
</context>
<context>
    <name>Phases</name>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="80"/>
        <source>Computing the file fingerprint…</source>
        <translation>Calcul de l’empreinte du fichier…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="81"/>
        <source>Reading and validating rows…</source>
        <translation>Lecture et validation des lignes…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="82"/>
        <source>Looking for duplicates in the file…</source>
        <translation>Recherche des doublons dans le fichier…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="83"/>
        <source>Importing into the CRM…</source>
        <translation>Import dans le CRM…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="84"/>
        <source>The CRM does not answer: reconnecting…</source>
        <translation>Le CRM ne répond pas : reconnexion…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="85"/>
        <source>Writing the report…</source>
        <translation>Écriture du rapport…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="86"/>
        <source>Undoing the import…</source>
        <translation>Annulation de l’import…</translation>
    </message>
</context>
<context>
    <name>Reasons</name>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="108"/>
        <source>No email or phone</source>
        <translation>Ni e-mail ni téléphone</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="109"/>
        <source>Invalid email address</source>
        <translation>Adresse e-mail invalide</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="110"/>
        <source>Invalid phone number</source>
        <translation>Numéro de téléphone invalide</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="111"/>
        <source>Value too long</source>
        <translation>Valeur trop longue</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="112"/>
        <source>Forbidden character</source>
        <translation>Caractère interdit</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="113"/>
        <source>More cells than columns</source>
        <translation>Plus de cellules que de colonnes</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="114"/>
        <source>Spreadsheet error in a cell</source>
        <translation>Erreur de tableur dans une cellule</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="115"/>
        <source>Duplicate in the file</source>
        <translation>Doublon dans le fichier</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="116"/>
        <source>Already in the CRM</source>
        <translation>Déjà dans le CRM</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="117"/>
        <source>Rejected by the CRM</source>
        <translation>Refusée par le CRM</translation>
    </message>
</context>
<context>
    <name>Regions</name>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="173"/>
        <source>France</source>
        <extracomment>Default phone regions offered first; codes are ISO 3166 (what phonenumbers expects).</extracomment>
        <translation>France</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="174"/>
        <source>Belgium</source>
        <translation>Belgique</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="175"/>
        <source>Switzerland</source>
        <translation>Suisse</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="176"/>
        <source>Luxembourg</source>
        <translation>Luxembourg</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="177"/>
        <source>Monaco</source>
        <translation>Monaco</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="178"/>
        <source>Canada</source>
        <translation>Canada</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="179"/>
        <source>United Kingdom</source>
        <translation>Royaume-Uni</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="180"/>
        <source>Ireland</source>
        <translation>Irlande</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="181"/>
        <source>Germany</source>
        <translation>Allemagne</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="182"/>
        <source>Spain</source>
        <translation>Espagne</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="183"/>
        <source>Italy</source>
        <translation>Italie</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="184"/>
        <source>Portugal</source>
        <translation>Portugal</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="185"/>
        <source>Netherlands</source>
        <translation>Pays-Bas</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="186"/>
        <source>United States</source>
        <translation>États-Unis</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="187"/>
        <source>Morocco</source>
        <translation>Maroc</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="188"/>
        <source>Tunisia</source>
        <translation>Tunisie</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="189"/>
        <source>Senegal</source>
        <translation>Sénégal</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="191"/>
        <source>{country} ({code})</source>
        <translation>{country} ({code})</translation>
    </message>
</context>
<context>
    <name>SetupDialog</name>
</context>
<context>
    <name>Statuses</name>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="93"/>
        <source>Validation interrupted</source>
        <translation>Validation interrompue</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="94"/>
        <source>Validated</source>
        <translation>Validé</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="95"/>
        <location filename="../crm_importer/gui/texts.py" line="99"/>
        <source>Interrupted</source>
        <translation>Interrompu</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="96"/>
        <source>Completed</source>
        <translation>Terminé</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="97"/>
        <source>Failed</source>
        <translation>Échec</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="98"/>
        <source>Cancelled</source>
        <translation>Annulé</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="100"/>
        <source>Undone</source>
        <translation>Défait</translation>
    </message>
</context>
<context>
    <name>Texts</name>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="130"/>
        <source>Import undone: {deleted} leads removed, {restored} restored, {kept} kept because they were edited since.</source>
        <translation>Import annulé : {deleted} leads supprimés, {restored} restaurés, {kept} conservés car modifiés depuis.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="134"/>
        <source>{referenced} kept because other CRM records refer to them.</source>
        <translation>{referenced} conservés car d’autres fiches du CRM y font référence.</translation>
    </message>
</context>
<context>
    <name>ValidationPage</name>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="164"/>
        <location filename="../crm_importer/gui/page_validation.py" line="168"/>
        <source>Validate &amp; analyse</source>
        <translation>Valider &amp; analyser</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="166"/>
        <source>The whole file is read and checked against the CRM&apos;s rules, and duplicates inside the file are found. Nothing is sent to the CRM yet.</source>
        <translation>Tout le fichier est lu et vérifié selon les règles du CRM, et les doublons internes au fichier sont repérés. Rien n’est encore envoyé au CRM.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="169"/>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="170"/>
        <source>rows in the file</source>
        <translation>lignes dans le fichier</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="171"/>
        <source>valid rows (duplicates included)</source>
        <translation>lignes valides (doublons compris)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="172"/>
        <source>invalid rows</source>
        <translation>lignes invalides</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="173"/>
        <source>duplicates in the file</source>
        <translation>doublons dans le fichier</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="174"/>
        <source>Show:</source>
        <translation>Afficher :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="175"/>
        <source>Fix this row…</source>
        <translation>Corriger cette ligne…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="176"/>
        <source>Export the report…</source>
        <translation>Exporter le rapport…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="223"/>
        <source>{phase} {rows} rows</source>
        <translation>{phase} {rows} lignes</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="241"/>
        <source>Validation cancelled. Run it again to continue where it stopped.</source>
        <translation>Validation annulée. Relancez-la pour reprendre là où elle s’est arrêtée.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="262"/>
        <source>Every problem ({count})</source>
        <translation>Tous les problèmes ({count})</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="264"/>
        <source>{reason} ({count})</source>
        <translation>{reason} ({count})</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="323"/>
        <source>Row {row} is valid now.</source>
        <translation>La ligne {row} est maintenant valide.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="325"/>
        <source>Row {row} still has a problem: see the table.</source>
        <translation>La ligne {row} a encore un problème : voir le tableau.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="342"/>
        <source>{file}-errors.xlsx</source>
        <translation>{file}-erreurs.xlsx</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="344"/>
        <source>Export the report</source>
        <translation>Exporter le rapport</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="345"/>
        <source>Excel workbook (*.xlsx);;CSV, UTF-8 (*.csv)</source>
        <translation>Classeur Excel (*.xlsx);;CSV, UTF-8 (*.csv)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="358"/>
        <source>Report saved: {path}</source>
        <translation>Rapport enregistré : {path}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="394"/>
        <source>{ready} rows are ready to import. The rows below will not be imported: fix them here (double-click a value) or export the report to send back.</source>
        <translation>{ready} lignes sont prêtes à être importées. Les lignes ci-dessous ne seront pas importées : corrigez-les ici (double-clic sur une valeur) ou exportez le rapport pour le renvoyer.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="398"/>
        <source>Every row is valid: {ready} rows are ready to import.</source>
        <translation>Toutes les lignes sont valides : {ready} lignes sont prêtes à être importées.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="402"/>
        <source>Nothing has been validated yet with these settings: click “Validate &amp; analyse”.</source>
        <translation>Rien n’a encore été validé avec ces réglages : cliquez sur « Valider &amp; analyser ».</translation>
    </message>
</context>
<context>
    <name>ValuesDialog</name>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="67"/>
        <source>Values of the CRM&apos;s list</source>
        <translation>Valeurs de la liste du CRM</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="69"/>
        <source>Give each value of the file the value of the CRM&apos;s list it stands for. Values already in the list (whatever their case or accents) need nothing.</source>
        <translation>Donnez à chaque valeur du fichier la valeur de la liste du CRM qu’elle désigne. Les valeurs déjà dans la liste (quelles que soient leur casse ou leurs accents) n’ont besoin de rien.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="77"/>
        <source>— left as is (an error) —</source>
        <translation>— laissée telle quelle (une erreur) —</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="84"/>
        <source>Every value of the first rows is in the list.</source>
        <translation>Chaque valeur des premières lignes est dans la liste.</translation>
    </message>
</context>
</TS>
