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
</TS>
