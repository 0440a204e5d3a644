<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr_FR">
<context>
    <name>ConnectionDialog</name>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="148"/>
        <source>Connection to the CRM</source>
        <translation>Connexion au CRM</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="149"/>
        <source>Connect to the CRM database</source>
        <translation>Se connecter à la base du CRM</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="153"/>
        <source>Host:</source>
        <translation>Hôte :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="153"/>
        <source>Port:</source>
        <translation>Port :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="153"/>
        <source>Database:</source>
        <translation>Base de données :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="153"/>
        <source>Connection string:</source>
        <translation>Chaîne de connexion :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="154"/>
        <source>User:</source>
        <translation>Utilisateur :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="154"/>
        <source>Password:</source>
        <translation>Mot de passe :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="155"/>
        <source>TLS:</source>
        <translation>TLS :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="159"/>
        <source>Remember the password in the system keyring</source>
        <translation>Mémoriser le mot de passe dans le trousseau du système</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="162"/>
        <source>Leave empty to use the saved password</source>
        <translation>Laisser vide pour utiliser le mot de passe enregistré</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="163"/>
        <source>Password of the database login</source>
        <translation>Mot de passe de l’identifiant de connexion</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="164"/>
        <source>The profile your login is mapped to</source>
        <translation>Le profil associé à votre identifiant</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="166"/>
        <source>Off (local networks only)</source>
        <translation>Désactivé (réseaux locaux uniquement)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="167"/>
        <source>When the server offers it</source>
        <translation>Si le serveur le propose</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="168"/>
        <source>Required</source>
        <translation>Obligatoire</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="169"/>
        <source>Required, with a trusted certificate</source>
        <translation>Obligatoire, avec un certificat de confiance</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="170"/>
        <source>Required, certificate and host name checked</source>
        <translation>Obligatoire, certificat et nom d’hôte vérifiés</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="174"/>
        <source>{mode} — {description}</source>
        <translation>{mode} — {description}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="176"/>
        <source>Set up this CRM…</source>
        <translation>Configurer ce CRM…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="179"/>
        <source>Use the demo database</source>
        <translation>Utiliser la base de démonstration</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="180"/>
        <source>Test connection</source>
        <translation>Tester la connexion</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="181"/>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="182"/>
        <source>Connect</source>
        <translation>Se connecter</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="217"/>
        <source>This is not a connection string: paste one that starts with postgresql:// or holds host=… dbname=… pairs.</source>
        <translation>Ce n’est pas une chaîne de connexion : collez-en une qui commence par postgresql:// ou qui contient des paires host=… dbname=….</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="222"/>
        <source>The fields below were filled from the connection string.</source>
        <translation>Les champs ci-dessous ont été remplis à partir de la chaîne de connexion.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="269"/>
        <source>Round trip to the server: {ms} ms.</source>
        <translation>Aller-retour jusqu’au serveur : {ms} ms.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="272"/>
        <source>This login bypasses row-level security: the import will be recorded as the profile you chose ({email}), which the database cannot verify.</source>
        <translation>Cet identifiant contourne la sécurité par ligne : l’import sera enregistré au nom du profil choisi ({email}), ce que la base ne peut pas vérifier.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="277"/>
        <source>Database login {login}, verified.</source>
        <translation>Identifiant de connexion {login}, vérifié.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="323"/>
        <source>The connection works, but this database is not set up for crm-importer yet. “Set up this CRM…” shows every change it needs before anything is changed.</source>
        <translation>La connexion fonctionne, mais cette base n’est pas encore configurée pour crm-importer. « Configurer ce CRM… » montre chaque modification nécessaire avant que rien ne soit modifié.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="325"/>
        <source>The connection works, but this database is not set up for crm-importer version {required} (it has version {found}). “Set up this CRM…” shows every change it needs before anything is changed.</source>
        <translation>La connexion fonctionne, mais cette base n’est pas configurée pour la version {required} de crm-importer (elle a la version {found}). « Configurer ce CRM… » montre chaque modification nécessaire avant que rien ne soit modifié.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="350"/>
        <source>Connecting…</source>
        <translation>Connexion en cours…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="265"/>
        <source>The connection works: PostgreSQL {version}, signed in as {who} ({role}).</source>
        <translation>La connexion fonctionne : PostgreSQL {version}, connecté en tant que {who} ({role}).</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="151"/>
        <source>The PostgreSQL database of your CRM (Supabase or your own server). The importer acts as the CRM profile your database login is mapped to (crm-importer db grant), which must be an admin.</source>
        <translation>La base PostgreSQL de votre CRM (Supabase ou votre propre serveur). L’importeur agit en tant que profil du CRM associé à votre identifiant de connexion (crm-importer db grant), qui doit être administrateur.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="155"/>
        <source>CRM profile (email, optional):</source>
        <translation>Profil du CRM (e-mail, facultatif) :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="157"/>
        <source>Paste a postgresql://… connection string to fill the fields</source>
        <translation>Collez une chaîne postgresql://… pour remplir les champs</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="161"/>
        <source>No keyring here: the password is kept for this session only</source>
        <translation>Pas de trousseau ici : mot de passe gardé pour cette session</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="301"/>
        <source>Password not saved</source>
        <translation>Mot de passe non enregistré</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/connection_dialog.py" line="302"/>
        <source>No system keyring is available on this computer, so the password could not be saved. It is kept for this session only: you will be asked for it again next time.</source>
        <translation>Aucun trousseau système n’est disponible sur cet ordinateur : le mot de passe n’a pas pu être enregistré. Il est conservé pour cette session seulement ; il vous sera redemandé la prochaine fois.</translation>
    </message>
</context>
<context>
    <name>Delimiters</name>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="176"/>
        <source>Comma ( , )</source>
        <translation>Virgule ( , )</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="177"/>
        <source>Semicolon ( ; )</source>
        <translation>Point-virgule ( ; )</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="178"/>
        <source>Tab</source>
        <translation>Tabulation</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="179"/>
        <source>Vertical bar ( | )</source>
        <translation>Barre verticale ( | )</translation>
    </message>
</context>
<context>
    <name>Encodings</name>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="186"/>
        <source>UTF-8</source>
        <translation>UTF-8</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="187"/>
        <source>UTF-8 with BOM</source>
        <translation>UTF-8 avec BOM</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="188"/>
        <source>UTF-16</source>
        <translation>UTF-16</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="189"/>
        <source>Windows-1252 (Western Europe)</source>
        <translation>Windows-1252 (Europe de l’Ouest)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="190"/>
        <location filename="../crm_importer/gui/texts.py" line="191"/>
        <source>Latin-1 (ISO-8859-1)</source>
        <translation>Latin-1 (ISO-8859-1)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="192"/>
        <source>ISO-8859-15 (Western Europe, €)</source>
        <translation>ISO-8859-15 (Europe de l’Ouest, €)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="193"/>
        <source>Windows-1250 (Central Europe)</source>
        <translation>Windows-1250 (Europe centrale)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="194"/>
        <source>ISO-8859-2 (Central Europe)</source>
        <translation>ISO-8859-2 (Europe centrale)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="195"/>
        <source>Windows-1254 (Turkish)</source>
        <translation>Windows-1254 (turc)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="196"/>
        <source>Windows-1251 (Cyrillic)</source>
        <translation>Windows-1251 (cyrillique)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="197"/>
        <source>Mac Roman (older Macs)</source>
        <translation>Mac Roman (anciens Mac)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="198"/>
        <source>UTF-16 (little-endian, no BOM)</source>
        <translation>UTF-16 (petit-boutiste, sans BOM)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="199"/>
        <source>UTF-16 (big-endian, no BOM)</source>
        <translation>UTF-16 (gros-boutiste, sans BOM)</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="171"/>
        <source>Unexpected error: {error}</source>
        <translation>Erreur inattendue : {error}</translation>
    </message>
</context>
<context>
    <name>Fields</name>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="29"/>
        <source>— Not imported —</source>
        <translation>— Non importée —</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="30"/>
        <source>First name</source>
        <translation>Prénom</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="31"/>
        <source>Last name</source>
        <translation>Nom</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="32"/>
        <source>Email</source>
        <translation>E-mail</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="33"/>
        <source>Phone</source>
        <translation>Téléphone</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="34"/>
        <source>Company</source>
        <translation>Société</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="35"/>
        <source>Job title</source>
        <translation>Fonction</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="36"/>
        <source>City</source>
        <translation>Ville</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="37"/>
        <source>Postal code</source>
        <translation>Code postal</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="38"/>
        <source>Country</source>
        <translation>Pays</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="39"/>
        <source>Source</source>
        <translation>Source</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="40"/>
        <source>External ID</source>
        <translation>Identifiant externe</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="41"/>
        <source>Notes</source>
        <translation>Notes</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="42"/>
        <source>Owner (for assignment)</source>
        <translation>Propriétaire (pour l’attribution)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="50"/>
        <source>text</source>
        <translation>texte</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="51"/>
        <source>whole number</source>
        <translation>nombre entier</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="52"/>
        <source>number</source>
        <translation>nombre</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="53"/>
        <source>date</source>
        <translation>date</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="54"/>
        <source>date and time</source>
        <translation>date et heure</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="55"/>
        <source>yes/no</source>
        <translation>oui/non</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="56"/>
        <source>list of values</source>
        <translation>liste de valeurs</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="57"/>
        <source>several values</source>
        <translation>plusieurs valeurs</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="71"/>
        <source>CRM column {name}, type {type}</source>
        <translation>Colonne du CRM {name}, type {type}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="73"/>
        <source>Required: the CRM refuses a lead without a value.</source>
        <translation>Obligatoire : le CRM refuse un lead sans valeur.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="75"/>
        <source>Left empty, it takes the CRM&apos;s default: {default}</source>
        <translation>Laissée vide, elle prend la valeur par défaut du CRM : {default}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="78"/>
        <source>Allowed values: {values}</source>
        <translation>Valeurs permises : {values}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="80"/>
        <source>At most {n} characters</source>
        <translation>{n} caractères au plus</translation>
    </message>
</context>
<context>
    <name>FilePage</name>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="182"/>
        <source>Choose the file to import</source>
        <extracomment>Shown under the encoding when it is a guess that may be wrong (few or ambiguous accented letters).</extracomment>
        <translation>Choisissez le fichier à importer</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="184"/>
        <source>A CSV, TSV or TXT file, or an Excel workbook (XLSX). Nothing is sent to the CRM before the last step.</source>
        <translation>Un fichier CSV, TSV ou TXT, ou un classeur Excel (XLSX). Rien n’est envoyé au CRM avant la dernière étape.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="186"/>
        <source>No CRM is connected yet. You can try everything on the built-in demo database, or connect to your CRM.</source>
        <translation>Aucun CRM n’est encore connecté. Vous pouvez tout essayer sur la base de démonstration intégrée, ou vous connecter à votre CRM.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="187"/>
        <source>Use the demo database</source>
        <translation>Utiliser la base de démonstration</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="188"/>
        <source>Connect to my CRM…</source>
        <translation>Me connecter à mon CRM…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="189"/>
        <source>Drop a spreadsheet here</source>
        <translation>Déposez un tableur ici</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="190"/>
        <source>Choose a file…</source>
        <translation>Choisir un fichier…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="191"/>
        <source>or try the sample file</source>
        <translation>ou essayez le fichier d’exemple</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="192"/>
        <source>Sheet:</source>
        <translation>Feuille :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="193"/>
        <source>Encoding:</source>
        <translation>Encodage :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="194"/>
        <source>Delimiter:</source>
        <translation>Séparateur :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="198"/>
        <source>Header row:</source>
        <translation>Ligne d’en-tête :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="199"/>
        <source>Show that import</source>
        <translation>Voir cet import</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="205"/>
        <source>Open a spreadsheet</source>
        <translation>Ouvrir un tableur</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="206"/>
        <source>Spreadsheets (*.csv *.tsv *.txt *.xlsx *.xlsm);;All files (*)</source>
        <translation>Tableurs (*.csv *.tsv *.txt *.xlsx *.xlsm);;Tous les fichiers (*)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="324"/>
        <source>Detected: row {row}</source>
        <translation>Détectée : ligne {row}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="330"/>
        <source>{sheet} (hidden)</source>
        <translation>{sheet} (masquée)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="335"/>
        <source>Detected: {encoding}</source>
        <translation>Détecté : {encoding}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="341"/>
        <source>Detected: {delimiter}</source>
        <translation>Détecté : {delimiter}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="372"/>
        <source>Opening…</source>
        <translation>Ouverture…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="377"/>
        <source>Excel workbook</source>
        <translation>Classeur Excel</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="377"/>
        <source>Text file (CSV)</source>
        <translation>Fichier texte (CSV)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="378"/>
        <source>{kind} · {size} · {columns} columns · header on row {row}</source>
        <translation>{kind} · {size} · {columns} colonnes · en-tête en ligne {row}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="387"/>
        <source>SHA-256: computing…</source>
        <translation>SHA-256 : calcul en cours…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="389"/>
        <source>SHA-256: {hash}</source>
        <translation>SHA-256 : {hash}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="394"/>
        <source>This file was already imported into this CRM on {date} by {who} (import {job}). Importing it again will ask for confirmation.</source>
        <translation>Ce fichier a déjà été importé dans ce CRM le {date} par {who} (import {job}). L’importer à nouveau demandera une confirmation.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="405"/>
        <source>This sheet is read because the workbook opens on it and it has an email or phone column.</source>
        <translation>Cette feuille est lue car le classeur s’ouvre sur elle et elle a une colonne e-mail ou téléphone.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="408"/>
        <source>This sheet is read because it is the first visible one with an email or phone column.</source>
        <translation>Cette feuille est lue car c’est la première feuille visible avec une colonne e-mail ou téléphone.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="411"/>
        <source>This sheet is read although it is hidden: no visible sheet has an email or phone column.</source>
        <translation>Cette feuille est lue bien qu’elle soit masquée : aucune feuille visible n’a de colonne e-mail ou téléphone.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="414"/>
        <source>The header is on row {row}: the rows above it are a title or notes.</source>
        <translation>L’en-tête est à la ligne {row} : les lignes au-dessus sont un titre ou des notes.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="335"/>
        <source>Detected (not certain): {encoding}</source>
        <translation>Détecté (sans certitude) : {encoding}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_file.py" line="196"/>
        <source>The encoding is a guess: check the accented letters in the preview of the next step, or choose the encoding here.</source>
        <translation>L’encodage est deviné : vérifiez les lettres accentuées dans l’aperçu de l’étape suivante, ou choisissez l’encodage ici.</translation>
    </message>
</context>
<context>
    <name>FixRowDialog</name>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="47"/>
        <source>Fix row {row}</source>
        <translation>Corriger la ligne {row}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="52"/>
        <source>Correct the cells, then re-validate the row. The file itself is not changed; the import and the report use the corrected values.</source>
        <translation>Corrigez les cellules, puis revalidez la ligne. Le fichier lui-même n’est pas modifié ; l’import et le rapport utilisent les valeurs corrigées.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="66"/>
        <source>This row has more cells than the file has columns: move each value below into the column it belongs to, or empty it.</source>
        <translation>Cette ligne a plus de cellules que le fichier n’a de colonnes : déplacez chaque valeur ci-dessous dans la colonne à laquelle elle appartient, ou videz-la.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="70"/>
        <source>Extra cell {number}</source>
        <translation>Cellule en trop {number}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="75"/>
        <source>Re-validate the row</source>
        <translation>Revalider la ligne</translation>
    </message>
</context>
<context>
    <name>HistoryView</name>
    <message>
        <location filename="../crm_importer/gui/history.py" line="118"/>
        <source>Import history</source>
        <extracomment>(action, result) once a Resume/Retry/Undo/Report finished; result is an exception when it failed.</extracomment>
        <translation>Historique</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/history.py" line="120"/>
        <source>Every validation and import made on this computer. An interrupted import can be resumed where it stopped; an import can be undone.</source>
        <translation>Toutes les validations et tous les imports faits sur cet ordinateur. Un import interrompu peut reprendre là où il s’est arrêté ; un import peut être annulé.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/history.py" line="122"/>
        <source>Resume</source>
        <translation>Reprendre</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/history.py" line="123"/>
        <source>Retry</source>
        <translation>Réessayer</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/history.py" line="124"/>
        <source>Report</source>
        <translation>Rapport</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/history.py" line="125"/>
        <source>Undo</source>
        <translation>Annuler l’import</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/history.py" line="126"/>
        <source>Refresh</source>
        <translation>Actualiser</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/history.py" line="127"/>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/history.py" line="158"/>
        <source>Connect to the CRM of this import first.</source>
        <translation>Connectez-vous d’abord au CRM de cet import.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/history.py" line="169"/>
        <source>Resume this import?</source>
        <translation>Reprendre cet import ?</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/history.py" line="175"/>
        <source>This import went to another CRM ({crm}): connect to it to resume it.</source>
        <translation>Cet import a été fait dans un autre CRM ({crm}) : connectez-vous à celui-ci pour le reprendre.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/history.py" line="210"/>
        <source>Undo this import?</source>
        <translation>Annuler cet import ?</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/history.py" line="234"/>
        <source>{phase} {done} of {total} rows</source>
        <translation>{phase} {done} lignes sur {total}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/history.py" line="238"/>
        <source>{rate} rows/s</source>
        <translation>{rate} lignes/s</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/history.py" line="240"/>
        <source>about {time} left</source>
        <translation>encore {time} environ</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/history.py" line="242"/>
        <source>{phase} {rows} rows</source>
        <translation>{phase} {rows} lignes</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/history.py" line="253"/>
        <source>Report: {path}</source>
        <translation>Rapport : {path}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/history.py" line="258"/>
        <source>Import completed: {imported} leads created and {updated} updated.</source>
        <translation>Import terminé : {imported} leads créés et {updated} mis à jour.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/history.py" line="267"/>
        <source>Stopped; the import can be resumed.</source>
        <translation>Arrêté ; l’import peut être repris.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/history.py" line="287"/>
        <source>This import went to another CRM ({crm}): connect to it to resume or undo it.</source>
        <translation>Cet import a été fait dans un autre CRM ({crm}) : connectez-vous à celui-ci pour le reprendre ou l’annuler.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/history.py" line="298"/>
        <source>No import yet: they will be listed here.</source>
        <translation>Aucun import pour l’instant : ils apparaîtront ici.</translation>
    </message>
</context>
<context>
    <name>ImportPage</name>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="196"/>
        <source>Import into the CRM</source>
        <translation>Importer dans le CRM</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="198"/>
        <source>Rows go in by batches; each batch is committed exactly once, so a cancelled or interrupted import can be resumed later without duplicates.</source>
        <translation>Les lignes sont envoyées par lots ; chaque lot est enregistré une seule fois, si bien qu’un import annulé ou interrompu peut reprendre plus tard sans doublons.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="200"/>
        <source>No CRM is connected: connect to one (or use the demo database) to import.</source>
        <translation>Aucun CRM n’est connecté : connectez-vous à un CRM (ou utilisez la base de démonstration) pour importer.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="201"/>
        <source>Connect…</source>
        <translation>Se connecter…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="202"/>
        <source>Use the demo database</source>
        <translation>Utiliser la base de démonstration</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="203"/>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="204"/>
        <source>leads created</source>
        <translation>leads créés</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="205"/>
        <source>leads updated</source>
        <translation>leads mis à jour</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="206"/>
        <source>already in the CRM (skipped)</source>
        <translation>déjà dans le CRM (ignorées)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="207"/>
        <source>not imported: invalid, duplicates in the file, rejected by the CRM</source>
        <translation>non importées : invalides, doublons dans le fichier, rejetées par le CRM</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="208"/>
        <source>time taken</source>
        <translation>durée</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="209"/>
        <source>Open the report</source>
        <translation>Ouvrir le rapport</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="210"/>
        <source>Resume the import</source>
        <translation>Reprendre l’import</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="211"/>
        <source>Undo this import</source>
        <translation>Annuler cet import</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="212"/>
        <source>New import</source>
        <translation>Nouvel import</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="239"/>
        <source>This import was undone (from History).</source>
        <translation>Cet import a été annulé (depuis l’historique).</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="273"/>
        <source>Leave them unassigned</source>
        <translation>Ne pas les attribuer</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="275"/>
        <source>Assign them to {user}</source>
        <translation>Les attribuer à {user}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="301"/>
        <source>Import this file again?</source>
        <translation>Importer ce fichier à nouveau ?</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="302"/>
        <source>This file was already imported into this CRM on {date} by {who}. Import it again anyway?</source>
        <translation>Ce fichier a déjà été importé dans ce CRM le {date} par {who}. L’importer à nouveau quand même ?</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="340"/>
        <source>Stopping after the current batch…</source>
        <translation>Arrêt à la fin du lot en cours…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="361"/>
        <source>{done} of {total} rows</source>
        <translation>{done} lignes sur {total}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="364"/>
        <source>{rate} rows/s</source>
        <translation>{rate} lignes/s</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="366"/>
        <source>about {time} left</source>
        <translation>encore {time} environ</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="387"/>
        <source>Not imported: this file is already in the CRM.</source>
        <translation>Non importé : ce fichier est déjà dans le CRM.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="402"/>
        <source>Import cancelled after {rows} leads; what was committed stays in the CRM. Resume it here or from History, or undo it.</source>
        <translation>Import annulé après {rows} leads ; ce qui a été enregistré reste dans le CRM. Reprenez-le ici ou depuis l’historique, ou annulez-le.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="432"/>
        <source>Undo this import?</source>
        <translation>Annuler cet import ?</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="485"/>
        <source>What the import will do</source>
        <translation>Ce que l’import va faire</translation>
    </message>
    <message numerus="yes">
        <location filename="../crm_importer/gui/page_import.py" line="496"/>
        <source>%n owner(s) in the file match no active CRM user: {owners}. Their leads:</source>
        <translation>
            <numerusform>%n propriétaire du fichier ne correspond à aucun utilisateur actif du CRM : {owners}. Ses leads :</numerusform>
            <numerusform>%n propriétaires du fichier ne correspondent à aucun utilisateur actif du CRM : {owners}. Leurs leads :</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="536"/>
        <source>&lt;b&gt;{rows}&lt;/b&gt; rows of {file} to import; not imported: {invalid} invalid, {dups} duplicates in the file (all in the report).</source>
        <translation>Lignes de {file} à importer : &lt;b&gt;{rows}&lt;/b&gt; ; non importées : {invalid} invalides, {dups} doublons dans le fichier (toutes dans le rapport).</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="540"/>
        <source>A row is the same lead as one in the CRM when they share {keys}: {policy}</source>
        <translation>Une ligne et un lead du CRM sont le même lead quand ils ont en commun {keys} : {policy}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="541"/>
        <source>{some} or {last}</source>
        <translation>{some} ou {last}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="543"/>
        <source>No duplicate check against the CRM: every row creates a lead.</source>
        <translation>Aucune recherche de doublons dans le CRM : chaque ligne crée un lead.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="544"/>
        <source>Assignment: {assignment}</source>
        <translation>Attribution : {assignment}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="552"/>
        <source>every new lead to {user}</source>
        <translation>chaque nouveau lead à {user}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="555"/>
        <source>in turn to {users}</source>
        <translation>à tour de rôle à {users}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="559"/>
        <source>to the owner named in the column “{column}” (an unknown owner: {then})</source>
        <translation>au propriétaire nommé dans la colonne « {column} » (propriétaire inconnu : {then})</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="560"/>
        <source>left unassigned</source>
        <translation>lead non attribué</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="562"/>
        <source>none: the new leads stay unassigned</source>
        <translation>aucune : les nouveaux leads restent non attribués</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="571"/>
        <source>Undo the import of {file} from {date}?</source>
        <translation>Annuler l’import de {file} du {date} ?</translation>
    </message>
    <message numerus="yes">
        <location filename="../crm_importer/gui/page_import.py" line="574"/>
        <source>The %Ln lead(s) it created will be removed, except those edited since or that other CRM records refer to (they are kept).</source>
        <translation>
            <numerusform>Le %Ln lead qu’il a créé sera supprimé, sauf s’il a été modifié depuis ou si d’autres fiches du CRM y font référence (il est alors gardé).</numerusform>
            <numerusform>Les %Ln leads qu’il a créés seront supprimés, sauf ceux modifiés depuis ou auxquels d’autres fiches du CRM font référence (ils sont gardés).</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../crm_importer/gui/page_import.py" line="578"/>
        <source>The %Ln lead(s) it updated get their previous values back.</source>
        <translation>
            <numerusform>Le %Ln lead qu’il a modifié retrouve ses valeurs précédentes.</numerusform>
            <numerusform>Les %Ln leads qu’il a modifiés retrouvent leurs valeurs précédentes.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="581"/>
        <source>It created and updated no lead: nothing in the CRM changes.</source>
        <translation>Il n’a créé ni modifié aucun lead : rien ne change dans le CRM.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="590"/>
        <source>Resume the import of {file} from {date}? It stopped after {done} of {total} rows; the {left} rows left go into {crm}. Nothing is imported twice.</source>
        <translation>Reprendre l’import de {file} du {date} ? Il s’est arrêté après {done} lignes sur {total} ; les {left} lignes restantes vont dans {crm}. Rien n’est importé deux fois.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="477"/>
        <source>Demo database</source>
        <translation>Base de démonstration</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="478"/>
        <source>Into &lt;b&gt;{target}&lt;/b&gt;, as &lt;b&gt;{who}&lt;/b&gt; ({email}).</source>
        <translation>Dans &lt;b&gt;{target}&lt;/b&gt;, en tant que &lt;b&gt;{who}&lt;/b&gt; ({email}).</translation>
    </message>
    <message numerus="yes">
        <location filename="../crm_importer/gui/page_import.py" line="481"/>
        <source>Import %Ln rows</source>
        <translation>
            <numerusform>Importer %Ln ligne</numerusform>
            <numerusform>Importer %Ln lignes</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_import.py" line="523"/>
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
        <location filename="../crm_importer/gui/wizard.py" line="119"/>
        <source>Continue to the import</source>
        <translation>Passer à l’import</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/wizard.py" line="119"/>
        <source>Continue to validation</source>
        <translation>Passer à la validation</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/wizard.py" line="120"/>
        <source>Next</source>
        <translation>Suivant</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../crm_importer/gui/app.py" line="159"/>
        <source>Resume the interrupted import?</source>
        <translation>Reprendre l’import interrompu ?</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="174"/>
        <source>Job store recovered</source>
        <translation>Fichier de suivi récupéré</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="175"/>
        <source>{said}

Imports already in the CRM are listed again in History once you connect to it.</source>
        <translation>{said}

Les imports déjà présents dans le CRM réapparaissent dans l’historique dès que vous vous y connectez.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="182"/>
        <source>Job store read-only</source>
        <translation>Fichier de suivi en lecture seule</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="183"/>
        <source>{reason}

History can be read, but files cannot be validated or imported until it can be written.</source>
        <translation>{reason}

L’historique reste consultable, mais aucun fichier ne peut être validé ni importé tant qu’il ne peut pas être écrit.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="218"/>
        <source>CRM Importer {version}</source>
        <translation>CRM Importer {version}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="219"/>
        <source>New import</source>
        <translation>Nouvel import</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="220"/>
        <source>Import history</source>
        <translation>Historique</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="221"/>
        <source>CRM</source>
        <translation>CRM</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="222"/>
        <source>&amp;File</source>
        <translation>&amp;Fichier</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="223"/>
        <source>&amp;Connection…</source>
        <translation>&amp;Connexion…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="224"/>
        <source>Use the &amp;demo database</source>
        <translation>Utiliser la base de &amp;démonstration</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="225"/>
        <source>Import &amp;history</source>
        <translation>&amp;Historique des imports</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="226"/>
        <source>&amp;Quit</source>
        <translation>&amp;Quitter</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="227"/>
        <source>&amp;Language</source>
        <translation>&amp;Langue</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="228"/>
        <source>System language</source>
        <translation>Langue du système</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="235"/>
        <source>Not connected. Files can still be validated offline.</source>
        <translation>Non connecté. Les fichiers peuvent quand même être validés hors ligne.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="236"/>
        <source>Connect…</source>
        <translation>Se connecter…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="238"/>
        <source>Demo database</source>
        <translation>Base de démonstration</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="240"/>
        <source>{target}
Signed in as {who} — database login {login}, declared (this login bypasses row-level security: the database cannot verify who imports)</source>
        <translation>{target}
Connecté en tant que {who} — identifiant {login}, déclaré (cet identifiant contourne la sécurité par ligne : la base ne peut pas vérifier qui importe)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="243"/>
        <source>{target}
Signed in as {who} — database login {login}, verified</source>
        <translation>{target}
Connecté en tant que {who} — identifiant {login}, vérifié</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="245"/>
        <source>Change connection…</source>
        <translation>Changer de connexion…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="282"/>
        <source>Starting the demo database…</source>
        <translation>Démarrage de la base de démonstration…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="295"/>
        <source>Connection</source>
        <translation>Connexion</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="308"/>
        <source>Connecting…</source>
        <translation>Connexion en cours…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="321"/>
        <source>Stop the import?</source>
        <translation>Arrêter l’import ?</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="322"/>
        <source>An import is running. Stop it after the current batch and quit? It can be resumed later from History.</source>
        <translation>Un import est en cours. L’arrêter à la fin du lot en cours et quitter ? Il pourra être repris plus tard depuis l’historique.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/app.py" line="329"/>
        <source>Stopping after the current batch…</source>
        <translation>Arrêt à la fin du lot en cours…</translation>
    </message>
</context>
<context>
    <name>MappingPage</name>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="183"/>
        <source>Check the columns</source>
        <extracomment>Tests set this to fill the values dialog instead of running it. Per column: how a date of the CRM&apos;s own reads (shown for those only), and what the column allows. Per column: for a picklist of the CRM&apos;s own, the file values the user gave a value of the list.</extracomment>
        <translation>Vérifiez les colonnes</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="185"/>
        <source>Each column of the file feeds one CRM field, guessed from its header. Columns left “Not imported” stay in the error report. Below, the first 100 rows as read from the file.</source>
        <translation>Chaque colonne du fichier alimente un champ du CRM, deviné d’après son en-tête. Les colonnes laissées « Non importée » restent dans le rapport d’erreurs. En dessous, les 100 premières lignes telles que lues dans le fichier.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="187"/>
        <source>Mapping profile:</source>
        <translation>Profil de correspondance :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="188"/>
        <source>Apply</source>
        <translation>Appliquer</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="189"/>
        <source>Save as profile…</source>
        <translation>Enregistrer comme profil…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="190"/>
        <source>Guess again from headers</source>
        <translation>Redeviner d’après les en-têtes</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="191"/>
        <source>Column in the file</source>
        <translation>Colonne du fichier</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="192"/>
        <source>Example</source>
        <translation>Exemple</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="193"/>
        <source>CRM field</source>
        <translation>Champ du CRM</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="194"/>
        <source>How it reads</source>
        <translation>Lecture</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="202"/>
        <source>Day first (DD/MM/YYYY)</source>
        <translation>Jour d’abord (JJ/MM/AAAA)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="203"/>
        <source>Month first (MM/DD/YYYY)</source>
        <translation>Mois d’abord (MM/JJ/AAAA)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="241"/>
        <source>(column {number}, no header)</source>
        <translation>(colonne {number}, sans en-tête)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="398"/>
        <source>read from the dates of the file</source>
        <translation>d’après les dates du fichier</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="399"/>
        <source>the file mixes both orders: the others will be errors</source>
        <translation>le fichier mêle les deux ordres : les autres seront des erreurs</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="400"/>
        <source>every date reads both ways: the region&apos;s usage, check it</source>
        <translation>chaque date se lit dans les deux sens : l’usage de la région, à vérifier</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="401"/>
        <source>as you chose</source>
        <translation>selon votre choix</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="405"/>
        <source>Values…</source>
        <translation>Valeurs…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="405"/>
        <source>Values ({count})…</source>
        <translation>Valeurs ({count})…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="407"/>
        <source>Allowed: {values}</source>
        <translation>Permises : {values}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="410"/>
        <source>numbers as 1 234,5 (decimal comma)</source>
        <translation>nombres écrits 1 234,5 (virgule décimale)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="411"/>
        <source>numbers as 1,234.5 (decimal point)</source>
        <translation>nombres écrits 1,234.5 (point décimal)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="413"/>
        <source>oui/non, yes/no, vrai/faux, 1/0, x</source>
        <translation>oui/non, vrai/faux, yes/no, 1/0, x</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="416"/>
        <source>several values, split on “{separator}”</source>
        <translation>plusieurs valeurs, séparées par « {separator} »</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="428"/>
        <source>No column is mapped to Email or Phone: map at least one of them, every lead needs a contact.</source>
        <translation>Aucune colonne ne correspond à l’e-mail ou au téléphone : associez-en au moins une, chaque lead a besoin d’un contact.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="434"/>
        <source>The CRM requires a value in {columns} (marked *): map a column of the file to each.</source>
        <translation>Le CRM exige une valeur pour {columns} (marquées *) : associez une colonne du fichier à chacune.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="440"/>
        <source>The CRM&apos;s own columns are offered after the standard fields, with their type; * marks a column the CRM requires. Columns not mapped keep the CRM&apos;s defaults.</source>
        <translation>Les colonnes propres au CRM suivent les champs standard, avec leur type ; * marque une colonne que le CRM exige. Les colonnes non associées gardent les valeurs par défaut du CRM.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="444"/>
        <source>Standard lead fields only: connect to the CRM to map its own columns too.</source>
        <translation>Champs standard seulement : connectez-vous au CRM pour associer aussi ses propres colonnes.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="457"/>
        <source>No saved profile</source>
        <translation>Aucun profil enregistré</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="466"/>
        <source>Save the mapping</source>
        <translation>Enregistrer la correspondance</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="466"/>
        <source>Profile name:</source>
        <translation>Nom du profil :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="478"/>
        <location filename="../crm_importer/gui/page_mapping.py" line="493"/>
        <source>Mapping profile</source>
        <translation>Profil de correspondance</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="478"/>
        <source>The profile {path} cannot be saved: {reason}.</source>
        <translation>Le profil {path} ne peut pas être enregistré : {reason}.</translation>
    </message>
</context>
<context>
    <name>Models</name>
    <message>
        <location filename="../crm_importer/gui/models.py" line="104"/>
        <source>(no header)</source>
        <translation>(sans en-tête)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/models.py" line="231"/>
        <source>Row</source>
        <extracomment>(row number, {column index: new value}) — the view re-validates that row in a worker. The store error met by the last read (the page says it), or None.</extracomment>
        <translation>Ligne</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/models.py" line="231"/>
        <source>Problem</source>
        <translation>Problème</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/models.py" line="231"/>
        <source>Column</source>
        <translation>Colonne</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/models.py" line="231"/>
        <source>Value (double-click to fix)</source>
        <translation>Valeur (double-clic pour corriger)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/models.py" line="287"/>
        <source>Import refused</source>
        <translation>Import refusé</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/models.py" line="288"/>
        <source>Validation only</source>
        <translation>Validation seule</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/models.py" line="304"/>
        <source>Validated on this computer only: nothing was sent to a CRM.</source>
        <translation>Validé sur cet ordinateur seulement : rien n’a été envoyé à un CRM.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/models.py" line="305"/>
        <source>{crm}
by {who}</source>
        <translation>{crm}
par {who}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/models.py" line="307"/>
        <source>Job {id} (crm-importer resume {short})</source>
        <translation>Traitement {id} (crm-importer resume {short})</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/models.py" line="320"/>
        <source>To
import</source>
        <translation>À
importer</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/models.py" line="320"/>
        <source>Created</source>
        <translation>Créés</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/models.py" line="321"/>
        <source>Not
imported</source>
        <translation>Non
importées</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/models.py" line="321"/>
        <source>CRM</source>
        <translation>CRM</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/models.py" line="322"/>
        <source>Job</source>
        <translation>N°</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/models.py" line="319"/>
        <source>Date</source>
        <translation>Date</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/models.py" line="319"/>
        <source>File</source>
        <translation>Fichier</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/models.py" line="319"/>
        <source>Status</source>
        <translation>Statut</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/models.py" line="320"/>
        <source>Rows</source>
        <translation>Lignes</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/models.py" line="321"/>
        <source>Updated</source>
        <translation>Mis
à jour</translation>
    </message>
</context>
<context>
    <name>OptionsPage</name>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="142"/>
        <source>Choose how to import</source>
        <translation>Choisissez comment importer</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="143"/>
        <source>These choices apply to this import only; the defaults suit most files.</source>
        <translation>Ces choix ne valent que pour cet import ; les valeurs par défaut conviennent à la plupart des fichiers.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="144"/>
        <source>Duplicates</source>
        <translation>Doublons</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="146"/>
        <source>Two rows are the same lead when they share one of these. Rows repeating an earlier row of the file are set aside; rows matching a lead already in the CRM follow the choice on the right.</source>
        <translation>Deux lignes sont le même lead quand elles partagent l’un de ces critères. Les lignes qui répètent une ligne précédente du fichier sont écartées ; celles qui correspondent à un lead déjà dans le CRM suivent le choix de droite.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="148"/>
        <source>Same email address</source>
        <translation>Même adresse e-mail</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="149"/>
        <source>Same phone number</source>
        <translation>Même numéro de téléphone</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="150"/>
        <source>Same external ID</source>
        <translation>Même identifiant externe</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="151"/>
        <source>When the lead already exists in the CRM</source>
        <translation>Quand le lead existe déjà dans le CRM</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="152"/>
        <source>Skip it (recommended)</source>
        <translation>L’ignorer (recommandé)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="153"/>
        <source>The existing lead is left untouched; the row goes to the report.</source>
        <translation>Le lead existant reste intact ; la ligne figure dans le rapport.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="154"/>
        <source>Update the existing lead</source>
        <translation>Mettre à jour le lead existant</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="156"/>
        <source>Filled cells of the file replace the lead&apos;s values; undoing the import restores them.</source>
        <translation>Les cellules remplies du fichier remplacent les valeurs du lead ; annuler l’import les rétablit.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="157"/>
        <source>Create a new lead anyway</source>
        <translation>Créer quand même un nouveau lead</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="158"/>
        <source>The CRM will then hold both leads.</source>
        <translation>Le CRM contiendra alors les deux leads.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="159"/>
        <source>Assign the new leads</source>
        <translation>Attribuer les nouveaux leads</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="160"/>
        <source>Leave them unassigned</source>
        <translation>Ne pas les attribuer</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="161"/>
        <source>All to one user:</source>
        <translation>Tous à un utilisateur :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="162"/>
        <source>In turn to the users ticked below (round-robin)</source>
        <translation>À tour de rôle aux utilisateurs cochés ci-dessous (round-robin)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="163"/>
        <source>From a column holding the owner&apos;s email or name:</source>
        <translation>D’après une colonne contenant l’e-mail ou le nom du propriétaire :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="164"/>
        <source>Connect to a CRM to list its users.</source>
        <translation>Connectez-vous à un CRM pour afficher ses utilisateurs.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="165"/>
        <source>Phone numbers</source>
        <translation>Numéros de téléphone</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="167"/>
        <source>Country of the numbers written without an international prefix (like 06 12 34 56 78):</source>
        <translation>Pays des numéros écrits sans indicatif international (comme 06 12 34 56 78) :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="169"/>
        <location filename="../crm_importer/gui/page_options.py" line="181"/>
        <source>— choose the column —</source>
        <translation>— choisissez la colonne —</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="265"/>
        <source>The column “{column}” is mapped to the owner, but it assigns nothing unless “From a column” is chosen above.</source>
        <translation>La colonne « {column} » est associée au propriétaire, mais elle n’attribue rien tant que « Depuis une colonne » n’est pas choisi ci-dessus.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_options.py" line="268"/>
        <source>Choose the column that holds the owners: until then, the leads stay unassigned.</source>
        <translation>Choisissez la colonne qui contient les propriétaires : d’ici là, les leads restent non attribués.</translation>
    </message>
</context>
<context>
    <name>PathBanner</name>
    <message>
        <location filename="../crm_importer/gui/widgets.py" line="172"/>
        <source>Copy the path</source>
        <translation>Copier le chemin</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/widgets.py" line="177"/>
        <source>The system has no application to open this file; it is here: {path}</source>
        <translation>Le système n’a pas d’application pour ouvrir ce fichier ; il se trouve ici : {path}</translation>
    </message>
</context>
<context>
    <name>Phases</name>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="88"/>
        <source>Computing the file fingerprint…</source>
        <translation>Calcul de l’empreinte du fichier…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="89"/>
        <source>Reading and validating rows…</source>
        <translation>Lecture et validation des lignes…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="90"/>
        <source>Looking for duplicates in the file…</source>
        <translation>Recherche des doublons dans le fichier…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="91"/>
        <source>Importing into the CRM…</source>
        <translation>Import dans le CRM…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="92"/>
        <source>The CRM does not answer: reconnecting…</source>
        <translation>Le CRM ne répond pas : reconnexion…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="93"/>
        <source>Writing the report…</source>
        <translation>Écriture du rapport…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="94"/>
        <source>Undoing the import…</source>
        <translation>Annulation de l’import…</translation>
    </message>
</context>
<context>
    <name>QFileDialog</name>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="22"/>
        <source>&amp;Look in:</source>
        <extracomment>lupdate finds ``translate(&quot;Context&quot;, &quot;text&quot;)`` calls; a wrapper function would hide them from it.</extracomment>
        <translation>&amp;Regarder dans :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="23"/>
        <source>Files of &amp;type:</source>
        <translation>Fichiers de &amp;type :</translation>
    </message>
</context>
<context>
    <name>Reasons</name>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="136"/>
        <source>No email or phone</source>
        <translation>Ni e-mail ni téléphone</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="137"/>
        <source>Invalid email address</source>
        <translation>Adresse e-mail invalide</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="138"/>
        <source>Invalid phone number</source>
        <translation>Numéro de téléphone invalide</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="139"/>
        <source>Value too long</source>
        <translation>Valeur trop longue</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="140"/>
        <source>Forbidden character</source>
        <translation>Caractère interdit</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="141"/>
        <source>More cells than columns</source>
        <translation>Plus de cellules que de colonnes</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="142"/>
        <source>Spreadsheet error in a cell</source>
        <translation>Erreur de tableur dans une cellule</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="143"/>
        <source>Duplicate in the file</source>
        <translation>Doublon dans le fichier</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="144"/>
        <source>Already in the CRM</source>
        <translation>Déjà dans le CRM</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="145"/>
        <source>Rejected by the CRM</source>
        <translation>Refusée par le CRM</translation>
    </message>
</context>
<context>
    <name>Regions</name>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="210"/>
        <source>France</source>
        <extracomment>Default phone regions offered first; codes are ISO 3166 (what phonenumbers expects).</extracomment>
        <translation>France</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="211"/>
        <source>Belgium</source>
        <translation>Belgique</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="212"/>
        <source>Switzerland</source>
        <translation>Suisse</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="213"/>
        <source>Luxembourg</source>
        <translation>Luxembourg</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="214"/>
        <source>Monaco</source>
        <translation>Monaco</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="215"/>
        <source>Canada</source>
        <translation>Canada</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="216"/>
        <source>United Kingdom</source>
        <translation>Royaume-Uni</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="217"/>
        <source>Ireland</source>
        <translation>Irlande</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="218"/>
        <source>Germany</source>
        <translation>Allemagne</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="219"/>
        <source>Spain</source>
        <translation>Espagne</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="220"/>
        <source>Italy</source>
        <translation>Italie</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="221"/>
        <source>Portugal</source>
        <translation>Portugal</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="222"/>
        <source>Netherlands</source>
        <translation>Pays-Bas</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="223"/>
        <source>United States</source>
        <translation>États-Unis</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="224"/>
        <source>Morocco</source>
        <translation>Maroc</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="225"/>
        <source>Tunisia</source>
        <translation>Tunisie</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="226"/>
        <source>Senegal</source>
        <translation>Sénégal</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="228"/>
        <source>{country} ({code})</source>
        <translation>{country} ({code})</translation>
    </message>
</context>
<context>
    <name>SetupDialog</name>
    <message>
        <location filename="../crm_importer/gui/setup_dialog.py" line="106"/>
        <location filename="../crm_importer/gui/setup_dialog.py" line="209"/>
        <source>Set up this CRM</source>
        <translation>Configurer ce CRM</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/setup_dialog.py" line="107"/>
        <source>Set up {database} for crm-importer</source>
        <translation>Configurer {database} pour crm-importer</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/setup_dialog.py" line="109"/>
        <source>crm-importer keeps its jobs, its import ledger and its rules in the CRM database, next to the app&apos;s own tables, which it adopts rather than duplicates. Below is every change it would make, each with its SQL: nothing is changed until you click Apply, and the changes are made in one transaction, so if one fails none is kept.</source>
        <translation>crm-importer garde ses traitements, son registre d’imports et ses règles dans la base du CRM, à côté des tables de l’application, qu’il adopte plutôt que de les dupliquer. Ci-dessous, chaque modification qu’il ferait, avec son SQL : rien n’est modifié avant que vous cliquiez sur Appliquer, et les modifications sont faites en une seule transaction : si l’une échoue, aucune n’est gardée.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/setup_dialog.py" line="113"/>
        <source>Phones without a country code are from:</source>
        <translation>Les téléphones sans indicatif de pays sont de :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/setup_dialog.py" line="114"/>
        <source>Column of leads that holds the owner:</source>
        <translation>Colonne des leads qui contient le propriétaire :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/setup_dialog.py" line="115"/>
        <source>Read the plan again</source>
        <translation>Relire le plan</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/setup_dialog.py" line="116"/>
        <source>Save as SQL…</source>
        <translation>Enregistrer en SQL…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/setup_dialog.py" line="117"/>
        <source>Close</source>
        <translation>Fermer</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/setup_dialog.py" line="123"/>
        <location filename="../crm_importer/gui/setup_dialog.py" line="127"/>
        <source>Apply</source>
        <translation>Appliquer</translation>
    </message>
    <message numerus="yes">
        <location filename="../crm_importer/gui/setup_dialog.py" line="127"/>
        <source>Apply %n change(s)</source>
        <translation>
            <numerusform>Appliquer %n modification</numerusform>
            <numerusform>Appliquer %n modifications</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/setup_dialog.py" line="138"/>
        <source>Reading the CRM&apos;s tables, functions and policies…</source>
        <translation>Lecture des tables, fonctions et règles du CRM…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/setup_dialog.py" line="152"/>
        <source>This CRM is already set up for crm-importer: nothing to change.</source>
        <translation>Ce CRM est déjà configuré pour crm-importer : rien à modifier.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/setup_dialog.py" line="155"/>
        <source>Nothing has been changed yet. Read the plan, save it as SQL for your database administrator if you like, then apply it.</source>
        <translation>Rien n’a encore été modifié. Lisez le plan, enregistrez-le en SQL pour votre administrateur de base de données si vous le souhaitez, puis appliquez-le.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/setup_dialog.py" line="173"/>
        <source>Several columns of leads point to the profiles ({columns}). Choose the one that holds the lead&apos;s owner: imported leads are assigned there, where the app looks.</source>
        <translation>Plusieurs colonnes des leads pointent vers les profils ({columns}). Choisissez celle qui contient le propriétaire du lead : les leads importés y sont attribués, là où l’application regarde.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/setup_dialog.py" line="191"/>
        <source>Save the plan as SQL</source>
        <translation>Enregistrer le plan en SQL</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/setup_dialog.py" line="192"/>
        <source>SQL script (*.sql)</source>
        <translation>Script SQL (*.sql)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/setup_dialog.py" line="198"/>
        <source>The script could not be saved to {path}: {reason}</source>
        <translation>Le script n’a pas pu être enregistré dans {path} : {reason}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/setup_dialog.py" line="201"/>
        <source>Script saved to {path}. Nothing has been changed in the CRM.</source>
        <translation>Script enregistré dans {path}. Rien n’a été modifié dans le CRM.</translation>
    </message>
    <message numerus="yes">
        <location filename="../crm_importer/gui/setup_dialog.py" line="210"/>
        <source>Apply the %n change(s) of the plan to the database {database}? They are made in one transaction: if one fails, none is kept.</source>
        <translation>
            <numerusform>Appliquer la %n modification du plan à la base {database} ? Elle est faite dans une transaction.</numerusform>
            <numerusform>Appliquer les %n modifications du plan à la base {database} ? Elles sont faites en une seule transaction : si l’une échoue, aucune n’est gardée.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/setup_dialog.py" line="217"/>
        <source>Setting up the CRM…</source>
        <translation>Configuration du CRM…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/setup_dialog.py" line="225"/>
        <source>Setting up the CRM: change {done} of {total}…</source>
        <translation>Configuration du CRM : modification {done} sur {total}…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/setup_dialog.py" line="231"/>
        <source>The CRM is set up for crm-importer.</source>
        <translation>Le CRM est configuré pour crm-importer.</translation>
    </message>
</context>
<context>
    <name>Statuses</name>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="121"/>
        <source>Validation interrupted</source>
        <translation>Validation interrompue</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="122"/>
        <source>Validated</source>
        <translation>Validé</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="123"/>
        <location filename="../crm_importer/gui/texts.py" line="127"/>
        <source>Interrupted</source>
        <translation>Interrompu</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="124"/>
        <source>Completed</source>
        <translation>Terminé</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="125"/>
        <source>Failed</source>
        <translation>Échec</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="126"/>
        <source>Cancelled</source>
        <translation>Arrêté</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="128"/>
        <source>Undone</source>
        <translation>Annulé</translation>
    </message>
</context>
<context>
    <name>Texts</name>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="102"/>
        <source>an email address</source>
        <translation>l’adresse e-mail</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="103"/>
        <source>a phone number</source>
        <translation>le numéro de téléphone</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="104"/>
        <source>an external ID</source>
        <translation>l’identifiant externe</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="112"/>
        <source>the row is skipped and the lead left untouched.</source>
        <translation>la ligne est ignorée et le lead laissé tel quel.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="113"/>
        <source>the lead is updated with the filled cells of the row (undo restores it).</source>
        <translation>le lead est mis à jour avec les cellules remplies de la ligne (l’annulation le restaure).</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="114"/>
        <source>a new lead is created anyway.</source>
        <translation>un nouveau lead est créé quand même.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="158"/>
        <source>Import undone: {deleted} leads removed, {restored} restored, {kept} kept because they were edited since.</source>
        <translation>Import annulé : {deleted} leads supprimés, {restored} restaurés, {kept} conservés car modifiés depuis.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/texts.py" line="162"/>
        <source>{referenced} kept because other CRM records refer to them.</source>
        <translation>{referenced} conservés car d’autres fiches du CRM y font référence.</translation>
    </message>
</context>
<context>
    <name>ValidationPage</name>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="182"/>
        <location filename="../crm_importer/gui/page_validation.py" line="186"/>
        <source>Validate &amp; analyse</source>
        <translation>Valider &amp; analyser</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="184"/>
        <source>The whole file is read and checked against the CRM&apos;s rules, and duplicates inside the file are found. Nothing is sent to the CRM yet.</source>
        <translation>Tout le fichier est lu et vérifié selon les règles du CRM, et les doublons internes au fichier sont repérés. Rien n’est encore envoyé au CRM.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="187"/>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="190"/>
        <source>rows in the file</source>
        <translation>lignes dans le fichier</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="191"/>
        <source>rows to import (valid, not duplicates)</source>
        <translation>lignes à importer (valides, hors doublons)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="192"/>
        <source>invalid rows</source>
        <translation>lignes invalides</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="193"/>
        <source>duplicates in the file</source>
        <translation>doublons dans le fichier</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="194"/>
        <source>Show:</source>
        <translation>Afficher :</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="195"/>
        <source>Fix this row…</source>
        <translation>Corriger cette ligne…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="196"/>
        <source>Export the report…</source>
        <translation>Exporter le rapport…</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="250"/>
        <source>{phase} {rows} rows</source>
        <translation>{phase} {rows} lignes</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="268"/>
        <source>Validation cancelled. Run it again to continue where it stopped.</source>
        <translation>Validation annulée. Relancez-la pour reprendre là où elle s’est arrêtée.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="289"/>
        <source>Every problem ({count})</source>
        <translation>Tous les problèmes ({count})</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="291"/>
        <source>{reason} ({count})</source>
        <translation>{reason} ({count})</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="350"/>
        <source>Row {row} is valid now.</source>
        <translation>La ligne {row} est maintenant valide.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="353"/>
        <source>Row {row} is still invalid: {reasons}.</source>
        <translation>La ligne {row} est toujours invalide : {reasons}.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="371"/>
        <source>{file}-errors.xlsx</source>
        <translation>{file}-erreurs.xlsx</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="373"/>
        <source>Export the report</source>
        <translation>Exporter le rapport</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="374"/>
        <source>Excel workbook (*.xlsx);;CSV, UTF-8 (*.csv)</source>
        <translation>Classeur Excel (*.xlsx);;CSV, UTF-8 (*.csv)</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="387"/>
        <source>Report saved: {path}</source>
        <translation>Rapport enregistré : {path}</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="426"/>
        <source>{ready} rows are ready to import. The rows below will not be imported: fix them here (double-click a value) or export the report to send back.</source>
        <translation>{ready} lignes sont prêtes à être importées. Les lignes ci-dessous ne seront pas importées : corrigez-les ici (double-clic sur une valeur) ou exportez le rapport pour le renvoyer.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="430"/>
        <source>Every row is valid: {ready} rows are ready to import.</source>
        <translation>Toutes les lignes sont valides : {ready} lignes sont prêtes à être importées.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="434"/>
        <source>Nothing has been validated yet with these settings: click “Validate &amp; analyse”.</source>
        <translation>Rien n’a encore été validé avec ces réglages : cliquez sur « Valider &amp; analyser ».</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_validation.py" line="421"/>
        <source>The file has a header but no data rows: there is nothing to import.</source>
        <translation>Le fichier a un en-tête mais aucune ligne de données : il n’y a rien à importer.</translation>
    </message>
</context>
<context>
    <name>ValuesDialog</name>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="70"/>
        <source>Values of the CRM&apos;s list</source>
        <extracomment>Widths (pixels) of a preview column: its heading decides within these bounds.</extracomment>
        <translation>Valeurs de la liste du CRM</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="72"/>
        <source>Give each value of the file the value of the CRM&apos;s list it stands for. Values already in the list (whatever their case or accents) need nothing.</source>
        <translation>Donnez à chaque valeur du fichier la valeur de la liste du CRM qu’elle désigne. Les valeurs déjà dans la liste (quelles que soient leur casse ou leurs accents) n’ont besoin de rien.</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="80"/>
        <source>— left as is (an error) —</source>
        <translation>— laissée telle quelle (une erreur) —</translation>
    </message>
    <message>
        <location filename="../crm_importer/gui/page_mapping.py" line="87"/>
        <source>Every value of the first rows is in the list.</source>
        <translation>Chaque valeur des premières lignes est dans la liste.</translation>
    </message>
</context>
</TS>
