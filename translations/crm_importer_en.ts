<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>ImportPage</name>
    <message numerus="yes">
        <location filename="../crm_importer/gui/page_import.py" line="481"/>
        <source>Import %Ln rows</source>
        <translation>
            <numerusform>Import %Ln row</numerusform>
            <numerusform>Import %Ln rows</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../crm_importer/gui/page_import.py" line="496"/>
        <source>%n owner(s) in the file match no active CRM user: {owners}. Their leads:</source>
        <translation>
            <numerusform>%n owner in the file matches no active CRM user: {owners}. Their leads:</numerusform>
            <numerusform>%n owners in the file match no active CRM user: {owners}. Their leads:</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../crm_importer/gui/page_import.py" line="574"/>
        <source>The %Ln lead(s) it created will be removed, except those edited since or that other CRM records refer to (they are kept).</source>
        <translation>
            <numerusform>The %Ln lead it created will be removed, unless it was edited since or other CRM records refer to it (then it is kept).</numerusform>
            <numerusform>The %Ln leads it created will be removed, except those edited since or that other CRM records refer to (they are kept).</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../crm_importer/gui/page_import.py" line="578"/>
        <source>The %Ln lead(s) it updated get their previous values back.</source>
        <translation>
            <numerusform>The %Ln lead it updated gets its previous values back.</numerusform>
            <numerusform>The %Ln leads it updated get their previous values back.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SetupDialog</name>
    <message numerus="yes">
        <location filename="../crm_importer/gui/setup_dialog.py" line="127"/>
        <source>Apply %n change(s)</source>
        <translation>
            <numerusform>Apply %n change</numerusform>
            <numerusform>Apply %n changes</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../crm_importer/gui/setup_dialog.py" line="210"/>
        <source>Apply the %n change(s) of the plan to the database {database}? They are made in one transaction: if one fails, none is kept.</source>
        <translation>
            <numerusform>Apply the %n change of the plan to the database {database}? It is made in one transaction.</numerusform>
            <numerusform>Apply the %n changes of the plan to the database {database}? They are made in one transaction: if one fails, none is kept.</numerusform>
        </translation>
    </message>
</context>
</TS>
