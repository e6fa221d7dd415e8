"""What column headers mean: concepts and the header phrases that name them, in several languages.

Phrases are written accent-free and lower case, words separated by spaces; a header matches a
phrase when the phrase's words occur in it in order, next to each other (after camelCase and
snake_case splitting and dropping little words such as "of", "de", "du"). Abbreviations and
compound spellings are phrases of their own (``dob``, ``lname``, ``firstname``).

Each concept says which entity type it stands for, what role that implies, what kinds of values
can carry it (a city is not a number, a coordinate is not text) and whether the header alone is
enough evidence (``strong``) or needs values that look the part.

Generic heads ("name", "id", "number", "code") take their meaning from the words around them:
a patient's name is a person, a product's name is not; a customer id is a key to a person, a
product id is not. Those word lists are at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

from synthpriv.schema import Role

DIRECT = Role.DIRECT_IDENTIFIER
QUASI = Role.QUASI_IDENTIFIER
SENSITIVE = Role.SENSITIVE
NONE = Role.NONE

# Value classes a column can have (see synthpriv.pii.profile.value_class).
TEXT, INT, FLOAT, DATE, BOOL = "text", "int", "float", "date", "bool"
ANY = frozenset({TEXT, INT, FLOAT, DATE, BOOL})


@dataclass(frozen=True)
class Concept:
    """One meaning a header can have."""

    name: str
    entity: str | None
    role: Role
    values: frozenset[str]
    strong: bool = True

    @property
    def explains(self) -> bool:
        """Every concept explains a column, even one whose role is none (an amount, a date)."""
        return True


def _c(name, entity, role, values, strong=True) -> Concept:
    return Concept(name, entity, role, frozenset(values), strong)


def _p(text: str) -> tuple[str, ...]:
    """Phrases from a comma-separated block."""
    return tuple(" ".join(p.split()) for p in text.split(",") if p.strip())


PERSON_NAME = _c("person_name", "PERSON", DIRECT, {TEXT})
PERSON_NAME_WEAK = _c("person_name?", "PERSON", DIRECT, {TEXT}, strong=False)
KEY = _c("key", "ID", DIRECT, {TEXT, INT})
KEY_WEAK = _c("key?", "ID", DIRECT, {TEXT, INT}, strong=False)
ROW_COUNTER = _c("row_counter", "ROW_COUNTER", NONE, {INT, TEXT})
# A key of a thing that is not a person (an organisation, a payer, an address record, a product):
# kept consistent, never a person's direct identifier.
ENTITY_KEY = _c("entity_key", "ENTITY_KEY", NONE, {TEXT, INT})
# A key of a person in another role (staff, manager): a person's identifier however often it
# repeats.
PERSON_KEY = _c("person_key", "ID", DIRECT, {TEXT, INT})
PHOTO = _c("photo", "PHOTO", DIRECT, {TEXT})
THING = _c("thing", None, NONE, {TEXT, INT, FLOAT})
ORGANIZATION = _c("organization", "ORGANIZATION", QUASI, {TEXT})
ORG_CODE = _c("organization_code", "ORGANIZATION", QUASI, {TEXT, INT})
PLACE = _c("place", "LOCATION", QUASI, {TEXT})
FLAG = _c("flag", None, NONE, {BOOL, INT, TEXT})
# An expiry date is card data only beside a card number (the table pass checks).
CARD_EXPIRY = _c("card_expiry?", "CARD_SECURITY", DIRECT, {TEXT, INT, DATE}, strong=False)

CONCEPTS: dict[Concept, tuple[str, ...]] = {
    PERSON_NAME: _p(
        """
        first name, firstname, fname, given name, givenname, forename, forenames, last name,
        lastname, lname, surname, surnames, family name, familyname, maiden name, maidenname,
        maiden, middle name, middlename, mname, full name, fullname, nickname, birth name,
        vorname, vornamen, nachname, familienname, geburtsname, rufname, prenom, prenoms, nom de
        famille, nom famille, nom complet, nom naissance, nombre, nombres, apellido, apellidos,
        primer apellido, segundo apellido, nombre completo, nome, nome completo, sobrenome,
        sobrenomes, apelido, cognome, nome e cognome, voornaam, achternaam, tussenvoegsel, naam,
        patient name, pat name, customer name, cust name, client name, member name, employee
        name, emp name, staff name, user full name, account holder, cardholder, card holder,
        holder name, owner name, insured name, subscriber name, next of kin, emergency contact,
        emergency contact name, contact name, contact person, author name, recipient name,
        sender name, mother name, father name, spouse name, parent name, guardian, guardian name
        """
    ),
    PERSON_NAME_WEAK: _p(
        """
        first, last, middle, nom, name, names, patient, beneficiary, guarantor, signatory,
        signed by, doctor, physician, surgeon, nurse, provider name, attending, attending
        physician, referring physician, prescriber, pharmacist, therapist, manager, supervisor,
        employee, agent, rep, sales rep, salesperson, recruiter, teacher, student, owner,
        landlord, tenant, driver, passenger, customer, client, contact, member, author,
        reviewer, assignee, reporter, witness, arzt, medecin, medico, doutor, funcionario,
        empregado, gerente, responsavel
        """
    ),
    KEY: _p(
        """
        id, ids, key, identifier, uid, uuid, guid, customer id, customerid, cust id, custid,
        client id, clientid, patient id, patientid, pat id, person id, personid, pid, member id,
        memberid, user id, userid, employee id, employeeid, emp id, empid, staff id, student id,
        passenger id, account id, subscriber id, policyholder id, beneficiary id, citizen id,
        voter id, applicant id, candidate id, borrower id, claimant id, contact id, lead id,
        visitor id, device id, session id, cookie id, transaction id, trans id, trans num,
        transaction number, order id, order number, invoice number, claim id, claim number, case
        id, case number, encounter id, visit id, admission id, booking id, booking reference,
        reservation id, ticket id, ticket number, shift id, appointment id, record id, record
        number, sample id, specimen id, pers nr, personalnummer, personal nr, kundennummer,
        kunden nr, mitgliedsnummer, patientennummer, fallnummer, aktenzeichen, matricula, numero
        matricula, id pessoa, codigo cliente, cod cliente, identificador, identifiant, numero
        client, num client, id client, numero de dossier, numero dossier, numero paciente, id
        paciente, klantnummer, registration number, registration no, enrollment id, external id,
        source id, reference id, ref id, mrn, medical record, medical record number, chart
        number, health record number
        """
    ),
    ROW_COUNTER: _p(
        """
        row, rows, row number, rownumber, row num, rownum, row no, row id, rowid, row index,
        index, idx, unnamed, sr no, s no, sl no, serial no, line, line number, lineno, nr, no,
        obs, observation, record, zeile, ligne, fila, linha, numero linha, riga, regel, rij
        """
    ),
    THING: _p(
        """
        product, product name, product id, product code, item, item name, item number, item
        code, line item, sku, merchant, merchant name, vendor, supplier, store, shop, brand,
        model, category, category name, type, kind, class, group, segment, channel, source,
        campaign, plan, plan type, service, service type, support type, course, program,
        project, task, event, event type, status, reason, method, mode, currency, unit,
        language, device type, browser, os, platform, version, tier, level, grade, rating,
        stage, priority, tag, tags, label, title of book, color, colour, size, material, flag,
        contract, contract type, tipo, categoria, produto, servico, beneficio, produkt, artikel,
        kategorie, produit, article, payment method, payment type, card type, card brand,
        address type, phone type, email type, name suffix, domain type
        """
    ),
    ORGANIZATION: _p(
        """
        company, company name, employer, employer name, organization, organisation, organization
        name, org, firm, business, business name, corporation, hospital, hospital name, clinic,
        facility, practice, pharmacy, school, university, college, bank, bank name, insurer,
        insurance, insurance provider, insurance company, carrier, payer, payor, health plan,
        agency, firma, unternehmen, arbeitgeber, krankenhaus, klinik, krankenkasse, entreprise,
        societe, employeur, hopital, empresa, compania, empleador, hospital, empregador,
        seguradora, azienda, ospedale, datore lavoro, bedrijf, werkgever, ziekenhuis
        """
    ),
    ORG_CODE: _p(
        """
        cnpj, company id, company number, tax id company, vat number, siret, siren, npi,
        provider id, provider npi, hospital id, facility id, ein, duns
        """
    ),
}

_IDENTIFIERS: dict[Concept, tuple[str, ...]] = {
    _c("email", "EMAIL_ADDRESS", DIRECT, {TEXT}): _p(
        """
        email, e mail, mail, emails, email address, emailaddress, mail address, courriel,
        adresse mail, adresse email, correo, correo electronico, email pessoal, email
        corporativo, posta elettronica, e post
        """
    ),
    _c("phone", "PHONE_NUMBER", DIRECT, {INT, TEXT}): _p(
        """
        phone, phones, phone number, phonenumber, phone no, tel, tel no, telephone, telephone
        number, mobile, mobile number, mobile phone, cell, cell phone, cellphone, fax, fax
        number, contact number, contact no, home phone, work phone, extension, ext, ramal,
        telefon, telefonnummer, handy, handynummer, mobilnummer, rufnummer, telephone fixe,
        portable, numero de telephone, numero telephone, telefono, movil, celular, telefone,
        telefone celular, telefone pessoal, telefono cellulare, cellulare, telefoonnummer,
        mobiel
        """
    ),
    _c("address", "STREET_ADDRESS", DIRECT, {TEXT}): _p(
        """
        address, addresses, addr, street, street address, street name, address line, address
        line 1, address line 2, address1, address2, home address, postal address, mailing
        address, residence, full address, adresse, anschrift, strasse, hausnummer, wohnort
        adresse, adresse postale, rue, direccion, domicilio, calle, endereco, endereco completo,
        logradouro, rua, indirizzo, via, straat, adres
        """
    ),
    _c("ip", "IP_ADDRESS", DIRECT, {TEXT}): _p(
        """
        ip, ip address, ipaddress, ipv4, ipv6, ip addr, client ip, remote addr, adresse ip,
        direccion ip, endereco ip, indirizzo ip
        """
    ),
    _c("mac", "MAC_ADDRESS", DIRECT, {TEXT}): _p(
        """
        mac, mac address
        """
    ),
    _c("username", "USERNAME", DIRECT, {TEXT}): _p(
        """
        username, user name, login, login name, screen name, handle, user, userid name,
        benutzername, nom utilisateur, usuario, nome usuario, utente
        """
    ),
    _c("password", "PASSWORD", DIRECT, {INT, TEXT}): _p(
        """
        password, passwd, pwd, pass, passwort, mot de passe, contrasena, senha, pin, pin code,
        secret
        """
    ),
    _c("ssn", "US_SSN", DIRECT, {INT, TEXT}): _p(
        """
        ssn, social security, social security number, soc sec, soc sec no, ssn no,
        sozialversicherungsnummer, svnr, numero securite sociale, nir, insee
        """
    ),
    _c("national_id", "NATIONAL_ID", DIRECT, {INT, TEXT}): _p(
        """
        national id, national identifier, national number, nin, citizen number, id number,
        identity number, id card, id card number, tax id, taxpayer id, tin, tfn, sin, nino,
        national insurance, ni number, nhs, nhs number, cpf, rg, dni, nie, nif, nss, curp, rfc,
        cedula, codice fiscale, personnummer, pesel, bsn, aadhaar, aadhar, pan number, nric,
        steuer id, steueridentifikationsnummer, personalausweis, ausweisnummer, carte identite,
        numero identite, documento, numero documento
        """
    ),
    _c("document", "DOCUMENT_NUMBER", DIRECT, {INT, TEXT}): _p(
        """
        passport, passport number, passport no, passeport, pasaporte, passaporte, reisepass,
        license, licence, license number, licence number, driver license, drivers license,
        driving licence, dl number, license plate, licence plate, plate, plate number, vin,
        ticket, ticket no, boarding pass, visa number, permit number, badge, badge number,
        fuhrerschein, kennzeichen, permis, carnet, cnh, placa
        """
    ),
    _c("card", "CREDIT_CARD", DIRECT, {INT, TEXT}): _p(
        """
        card, card number, card no, card num, cc, cc num, cc number, ccn, credit card, credit
        card number, debit card, pan, primary account number, kartennummer, numero carte, numero
        de tarjeta, tarjeta, numero cartao, cartao
        """
    ),
    _c("card_secret", "CARD_SECURITY", DIRECT, {DATE, INT, TEXT}): _p(
        """
        cvv, cvv2, cvc, cvc2, cid, csc, security code, card security code, card verification,
        card expiry, card exp, cc exp, cc expiry, card expiration, card expiration date, card
        valid thru, card check, check digits, pruefziffer, prufziffer, kartenpruefnummer,
        kartenprufnummer, cryptogramme, cryptogramme visuel, codigo seguranca, codigo seguridad,
        cod seguridad, codice sicurezza, beveiligingscode
        """
    ),
    CARD_EXPIRY: _p(
        """
        exp date, expiry, expiry date, expiration, expiration date, exp, exp month, exp year,
        valid thru, valid until
        """
    ),
    _c("account", "US_BANK_NUMBER", DIRECT, {INT, TEXT}): _p(
        """
        account, account number, account no, acct, acct no, acct num, bank account, routing
        number, sort code, iban, kontonummer, konto, numero de compte, cuenta, numero cuenta,
        conta, numero conta, conto
        """
    ),
    _c("health_id", "HEALTH_PLAN_ID", DIRECT, {INT, TEXT}): _p(
        """
        insurance id, insurance number, policy number, policy id, plan id, health plan id,
        subscriber number, beneficiary number, medicare number, medicaid number,
        versichertennummer, group number
        """
    ),
    _c("geo", "GEO_COORDINATE", DIRECT, {FLOAT, TEXT}): _p(
        """
        lat, latitude, lon, lng, long, longitude, geo, geolocation, coordinates, coords, gps,
        lat long, latlong, lat lng, location coordinates, breitengrad, laengengrad, latitud,
        longitud, breedtegraad
        """
    ),
    PHOTO: _p(
        """
        photo, photograph, foto, portrait, avatar, headshot, selfie, profile picture,
        profile photo, passport photo, picture, bild, fotografia
        """
    ),
    PERSON_KEY: _p(
        """
        reports to, reportsto, manager id, supervisor id, line manager, vorgesetzter
        """
    ),
    _c("url", "URL", QUASI, {TEXT}): _p(
        """
        url, website, web site, homepage, home page, web, site, webpage, domain, email domain,
        mail domain, profile url, linkedin, twitter, facebook, instagram, social media
        """
    ),
}

_QUASI: dict[Concept, tuple[str, ...]] = {
    # a browser's or app's self-description: a device fingerprint, not a person's identifier
    _c("user_agent", "USER_AGENT", QUASI, {TEXT}): _p(
        """
        user agent, useragent, http user agent, ua string, browser agent, client agent
        """
    ),
    # +44, 49: the country of a phone number, not the number
    _c("dial_code", "PHONE_COUNTRY_CODE", QUASI, {INT, TEXT}): _p(
        """
        phone country code, country calling code, calling code, dial code, dialing code,
        dialling code, isd code, phone prefix, country dial code, phone code country
        """
    ),
    _c("birth_date", "DATE_OF_BIRTH", QUASI, {DATE, INT, TEXT}): _p(
        """
        dob, d o b, birth, birth date, birthdate, birthday, date of birth, birth dt, bdate,
        born, birth year, year of birth, yob, geburtsdatum, geburtstag, geburtsjahr, date
        naissance, date de naissance, naissance, fecha nacimiento, fecha de nacimiento,
        nacimiento, data nascimento, data de nascimento, nascimento, data di nascita, nascita,
        geboortedatum
        """
    ),
    _c("age", "AGE", QUASI, {FLOAT, INT, TEXT}): _p(
        """
        age, ages, age years, age yrs, patient age, client age, alter, age at, edad, idade, eta,
        leeftijd, age group, age band, age range
        """
    ),
    _c("sex", "SEX", QUASI, {BOOL, INT, TEXT}): _p(
        """
        sex, gender, geschlecht, sexe, genre, sexo, genero, sesso, geslacht
        """
    ),
    _c("race", "RACE", QUASI, {INT, TEXT}): _p(
        """
        race, ethnicity, ethnic, ethnic group, hispanic, latino, raca, etnia
        """
    ),
    _c("marital", "MARITAL_STATUS", QUASI, {INT, TEXT}): _p(
        """
        marital, marital status, married, civil status, familienstand, etat civil, situation
        familiale, estado civil, stato civile, relationship status
        """
    ),
    _c("zip", "ZIP_CODE", QUASI, {INT, TEXT}): _p(
        """
        zip, zipcode, zip code, zip5, zip4, postal, postal code, postcode, post code, plz,
        postleitzahl, code postal, cp, codigo postal, cep, codice postale, cap, postcode nl
        """
    ),
    PLACE: _p(
        """
        city, town, village, municipality, county, district, state, province, region, country,
        nation, geography, territory, borough, suburb, neighborhood, neighbourhood, birthplace,
        city name, town name, place of birth, native country, country of birth, residence
        country, home town, hometown, location, embarked, port, port of embarkation, stadt, ort,
        wohnort, gemeinde, bundesland, land, kreis, ville, commune, departement, pays, ciudad,
        localidad, municipio, provincia, estado, pais, cidade, bairro, uf, citta, paese, stad,
        woonplaats
        """
    ),
    _c("nationality", "NATIONALITY", QUASI, {TEXT}): _p(
        """
        nationality, citizenship, citizen, citizenship status, nationalitat, nationalite,
        nacionalidad, nacionalidade, nazionalita
        """
    ),
    _c("occupation", "OCCUPATION", QUASI, {TEXT}): _p(
        """
        job, job title, jobtitle, title, occupation, profession, position, role, designation,
        cargo, funcao, profissao, ocupacion, puesto, beruf, berufsbezeichnung, stelle, metier,
        poste, fonction, professione, mansione, beroep, functie
        """
    ),
    _c("department", "DEPARTMENT", QUASI, {INT, TEXT}): _p(
        """
        department, dept, division, unit name, team, business unit, abteilung, departement
        service, departamento, setor, reparto, afdeling
        """
    ),
    _c("room", "ROOM_NUMBER", QUASI, {INT, TEXT}): _p(
        """
        room, room number, room no, bed, bed number, ward, cabin, cabin number, seat, seat
        number, apartment, apt, unit number, zimmer, chambre, habitacion, quarto, leito
        """
    ),
}

_SENSITIVE: dict[Concept, tuple[str, ...]] = {
    _c("health", "HEALTH", SENSITIVE, ANY): _p(
        """
        diagnosis, diagnoses, diagnosis code, dx, dx code, icd, icd10, icd 10, icd9, condition,
        medical condition, disease, illness, disorder, symptom, symptoms, treatment, therapy,
        procedure, procedure code, cpt, medication, medications, medicine, drug, drugs,
        prescription, dosage, allergy, allergies, test result, test results, lab result, result,
        results, blood type, blood group, bmi, glucose, insulin, blood pressure, cholesterol,
        hba1c, smoker, smoking, alcohol, pregnant, pregnancy, pregnancies, disability,
        disability support, hiv, mental health, charges, medical charges, risk score, health
        risk, survived, survival, deceased, death, date of death, cause of death, vital status,
        outcome, diabetes, diagnose, krankheit, medikament, befund, diagnostic, maladie,
        medicament, diagnostico, enfermedad, medicamento, doenca, diagnosi, malattia, farmaco
        """
    ),
    _c("financial", "FINANCIAL", SENSITIVE, ANY): _p(
        """
        income, salary, salaries, wage, wages, pay, earnings, compensation, estimated salary,
        annual income, net worth, balance, account balance, credit score, credit rating, fico,
        debt, loan, loan amount, default, defaulted, arrears, bankruptcy, capital gain, capital
        loss, credit amount, einkommen, gehalt, lohn, vermogen, kontostand, revenu, salaire,
        ingreso, ingresos, salario, sueldo, renda, salario base, saldo, reddito, stipendio,
        inkomen, salaris
        """
    ),
    _c("fraud", "FRAUD_FLAG", SENSITIVE, ANY): _p(
        """
        fraud, is fraud, fraudulent, scam
        """
    ),
    _c("employment", "EMPLOYMENT", SENSITIVE, ANY): _p(
        """
        termination, termination reason, termd, terminated, employment status, performance,
        performance score, performance rating, disciplinary, absences, sick days, emp status
        """
    ),
    _c("criminal", "CRIMINAL_RECORD", SENSITIVE, ANY): _p(
        """
        conviction, criminal, arrest, offense, offence, sentence
        """
    ),
    _c("belief", "BELIEF", SENSITIVE, ANY): _p(
        """
        religion, religious, political, party affiliation, sexual orientation, union member,
        trade union
        """
    ),
}

_EXPLAINED: dict[Concept, tuple[str, ...]] = {
    _c("event_date", "DATE_TIME", NONE, {DATE, FLOAT, INT, TEXT}): _p(
        """
        date, dates, datetime, date time, time, timestamp, ts, dt, unix time, epoch, created,
        created at, updated, updated at, modified, day, month, year, week, quarter, hour,
        minute, period, admission date, date of admission, discharge date, visit date, service
        date, subscription date, hire date, start date, end date, shift date, trans date, trans
        time, transaction date, order date, purchase date, review date, datum, zeit, jahr,
        monat, tag, heure, annee, mois, jour, fecha, hora, ano, mes, dia, data, ora, anno, mese,
        giorno, tijd, jaar, maand
        """
    ),
    _c("measure", None, NONE, {FLOAT, INT, TEXT}): _p(
        """
        amount, amt, total, sum, price, cost, fee, fare, charge, billing, billing amount, bill,
        payment, value, quantity, qty, count, number of, num of, no of, nr of, n, units, volume,
        weight, height, length, width, depth, area, distance, duration, tenure, seconds,
        minutes, hours, days, months, years, percent, percentage, pct, rate, ratio, score,
        points, pop, population, density, temperature, speed, siblings, children, dependents,
        household size, horas, betrag, preis, menge, anzahl, montant, prix, quantite, nombre de,
        importe, precio, cantidad, valor, quantidade, importo, prezzo, quantita, bedrag, prijs,
        aantal, exited, churn, churned, target
        """
    ),
    _c("text", None, NONE, {TEXT}): _p(
        """
        note, notes, comment, comments, remark, remarks, description, desc, text, message, body,
        summary, feedback, review, narrative, details, observation text, free text, bemerkung,
        notiz, kommentar, commentaire, comentario, observacao, observacoes, nota, opmerking
        """
    ),
}

ALL_CONCEPTS: dict[Concept, tuple[str, ...]] = {
    **CONCEPTS,
    **_IDENTIFIERS,
    **_QUASI,
    **_SENSITIVE,
    **_EXPLAINED,
}

# Words that say "this is about a person": a "name" or "id" next to one of them is a person's.
PERSON_WORDS = frozenset(
    """
    agent applicant author beneficiary borrower candidate cardholder child claimant client
    cliente contact cust customer doctor driver emp empleado employe employee employer's
    empregado father funcionario guardian guest holder insured kin klant kunde landlord lead
    manager medewerker member mitarbeiter mother nurse owner paciente parent passenger pat
    patient patientin people person persona personal personne persoon pessoa physician
    rep reviewer salarie spouse staff student subscriber supervisor teacher tenant
    traveler traveller user user's usuario utilisateur visitor
    """.split()
)
# Words that say "this is about a thing": its "name" or "id" is not a person's.
THING_WORDS = frozenset(
    """
    address adress adresse airline airport app application artikel bank book brand browser
    building business campaign
    car categoria categorie category channel city class clinic company condition country
    course currency department dept device diagnosis division document drug event facility
    file flight game group hospital host item job kategorie kind language lesson location
    medication merchant model movie org organisation organization place plan procedure
    prodotto product producto produit produkt produto program project region route school
    segment server service servico shop site sku song source state station store street
    supplier task team test title type unit vehicle vendor ward
    """.split()
)
# Words that say "this is about an event of one person": its id is a key to that person.
EVENT_WORDS = frozenset(
    """
    admission application appointment booking call case chat claim contract delivery encounter
    enrollment invoice loan message order payment policy record reservation sample session
    shift shipment specimen ticket trans transaction visit
    """.split()
)
ORG_WORDS = frozenset(
    """
    agency bank business clinic college company employer empresa entreprise facility firm
    firma hopital hospital insurer krankenhaus org organisation organization payer provider
    school societe university unternehmen
    """.split()
)
PLACE_WORDS = frozenset(
    """
    airport cidade city ciudad country county district land location pais pays place port
    province region stadt state station town village ville
    """.split()
)
ROW_WORDS = frozenset(
    """
    fila idx index ligne line linha row rows s serial sl sr unnamed zeile riga regel rij
    """.split()
)
FLAG_PREFIXES = frozenset(
    """
    can did does flag had has ind is was
    """.split()
)
GENERIC_NAME_HEADS = frozenset(
    """
    naam name namen names nom nombre nome
    """.split()
)
GENERIC_KEY_HEADS = frozenset(
    """
    cod code codigo guid id identifier ids key no nr num number numero nummer ref reference
    uid uuid
    """.split()
)
# Little words dropped from headers and phrases before matching.
STOP_WORDS = frozenset(
    """
    a an and at by da das de del della den der des di do dos du e el em en et for in la le les
    of on per the und van von y
    """.split()
)
