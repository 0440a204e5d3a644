<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>ImportPage</name>
    <message numerus="yes">
        <location filename="../crm_importer/gui/page_import.py" line="429"/>
        <source>Import %Ln rows</source>
        <translation>
            <numerusform>Import %Ln row</numerusform>
            <numerusform>Import %Ln rows</numerusform>
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
            <numerusform>Apply the change of the plan to the database {database}? It is made in one transaction.</numerusform>
            <numerusform>Apply the %n changes of the plan to the database {database}? They are made in one transaction: if one fails, none is kept.</numerusform>
        </translation>
    </message>
</context>
</TS>
